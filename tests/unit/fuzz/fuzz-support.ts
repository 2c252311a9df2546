/**
 * What every fuzz test shares: the seed and run count (FUZZ_SEED, FUZZ_RUNS), and the checks that
 * a parser given client input answers only with the table's client errors. Not a test file itself.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ObscuraError } from '../../../src/errors/index.js';

/** Fixed unless FUZZ_SEED says otherwise, so a failure reproduces; fast-check prints it on failure. */
export const seed = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) : 20261123;

/** Runs per property; the defaults keep all fuzz files together well under 20 s on 2 cores. */
export const runs = process.env['FUZZ_RUNS'] !== undefined ? Number(process.env['FUZZ_RUNS']) : 400;

/** fast-check parameters; `scale` shrinks or grows the run count of a costly or cheap property. */
export function params(scale = 1): fc.Parameters<unknown> {
  return { seed, numRuns: Math.max(1, Math.round(runs * scale)) };
}

/** Asserts that `e` is the project's client error: an ObscuraError from the table with a 4xx status. */
export function assertClientError(e: unknown, codes?: readonly string[]): asserts e is ObscuraError {
  if (!(e instanceof ObscuraError)) {
    throw new assert.AssertionError({ message: `expected an ObscuraError, got ${describe(e)}`, actual: e });
  }
  assert.ok(e.status >= 400 && e.status < 500, `client input answered ${e.status} ${e.code}: ${e.message}`);
  if (codes !== undefined) assert.ok(codes.includes(e.code), `expected one of ${codes.join(', ')}, got ${e.code}: ${e.message}`);
}

/** Runs `fn`: its value, or the client error it threw (anything else fails the property). */
export function outcome<T>(fn: () => T, codes?: readonly string[]): { value: T } | { error: ObscuraError } {
  try {
    return { value: fn() };
  } catch (e) {
    assertClientError(e, codes);
    return { error: e };
  }
}

/** As `outcome`, for async parsers and streams. */
export async function outcomeAsync<T>(fn: () => Promise<T>, codes?: readonly string[]): Promise<{ value: T } | { error: ObscuraError }> {
  try {
    return { value: await fn() };
  } catch (e) {
    assertClientError(e, codes);
    return { error: e };
  }
}

/** Asserts that `fn` throws a client error (one of `codes` when given) and returns it. */
export function refused(fn: () => unknown, codes?: readonly string[]): ObscuraError {
  const r = outcome(fn, codes);
  if ('value' in r) throw new assert.AssertionError({ message: `expected a refusal${codes ? ` (${codes.join(', ')})` : ''}, got ${describe(r.value)}` });
  return r.error;
}

/** Fails when `promise` does not settle within `ms`: a parser that hangs on its input. */
export async function settlesWithin<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds a synchronous call takes (for pathological-backtracking checks). */
export function elapsedMs(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  try {
    fn();
  } catch {
    // Only the time matters here; outcomes are checked by other properties.
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Replaces the character at `index` (modulo the length) by another one. */
export function changeOneChar(text: string, index: number, replacement = 'x'): string {
  const i = index % text.length;
  const other = text[i] === replacement ? (replacement === 'y' ? 'z' : 'y') : replacement;
  return text.slice(0, i) + other + text.slice(i + 1);
}

function describe(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Any code point, lone surrogates included, mostly ASCII. (Built from integers: fast-check's
 * 'binary' unit builds a reverse table of all of Unicode per arbitrary, which costs half a second.)
 */
const anyChar = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0x10ffff })).map((c) => String.fromCodePoint(c));

/** Any text, including lone surrogates and control characters. */
export const anyText = (maxLength = 200): fc.Arbitrary<string> =>
  fc.oneof(
    fc.array(anyChar, { maxLength }).map((cs) => cs.join('')),
    fc.string({ unit: 'grapheme-ascii', maxLength }),
    fc.string({ unit: fc.constantFrom(' ', '\t', '\r', '\n', '%', '&', ';', '=', ',', '-', '/', '?', '#', '"', "'", '<', '>', '\u0000', '\uFFFD', '\uD800', 'é', '😀'), maxLength }),
  );

/** Text a header could carry: latin1 without CR, LF or NUL (Node refuses those on the wire). */
export const headerText = (maxLength = 120): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength });

/** Well-formed Unicode text (no lone surrogates), the kind object names are made of. */
export const unicodeText = (minLength = 0, maxLength = 60): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ unit: 'grapheme', minLength, maxLength }), fc.string({ unit: 'grapheme-composite', minLength, maxLength }), fc.string({ unit: 'grapheme-ascii', minLength, maxLength }));

/** Cuts `bytes` into pieces at random points (a network's view of a body). */
export function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    if (p > last) pieces.push(bytes.subarray(last, p));
    last = Math.max(last, p);
  }
  if (last < bytes.length) pieces.push(bytes.subarray(last));
  return pieces;
}
