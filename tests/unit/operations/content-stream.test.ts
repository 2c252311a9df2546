/**
 * ContentStream (src/operations/content-stream.ts), the GET path of random-access stores, over an
 * in-memory BlobReader that records every read: exact plaintext for whole segments, ranges and
 * several segments; read buffers reused (two at most) with one read in flight, issued ahead of
 * the consumer; the must-fail envelope vectors with nothing but verified plaintext released; short
 * blobs, failing readers and hang-ups, each closing the blob once and only after its last read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createEncryptStream, createEnvelopeOpener, IntegrityError, TAG_BYTES } from '../../../src/crypto/envelope.js';
import { ContentStream, readWhole, type ContentPart } from '../../../src/operations/content-stream.js';
import type { BlobReader } from '../../../src/storage/blob-store.js';
import { repoRoot } from '../../helpers/server.js';

/** Packages of 64 KiB here (the writer's size is a parameter; readers take it from the header). */
const P = 64 * 1024;
const STRIDE = P + TAG_BYTES;

async function seal(key: Buffer, plain: Buffer, packageBytes = P): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from([plain]).pipe(createEncryptStream(key, { plainBytes: plain.length, packageBytes }))) out.push(c as Buffer);
  return Buffer.concat(out);
}

interface Recorder {
  reads: Array<{ position: number; length: number }>;
  buffers: Set<ArrayBufferLike>;
  inFlight: number;
  maxInFlight: number;
  closes: number;
  closedWithReadInFlight: boolean;
}

/** A BlobReader over `blob` that records its use; each read settles after a macrotask, like a disk. */
function memoryReader(blob: Buffer, rec: Recorder, fail?: { atRead: number }): BlobReader {
  return {
    async read(buffer, position) {
      rec.reads.push({ position, length: buffer.length });
      rec.buffers.add(buffer.buffer);
      rec.inFlight++;
      rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      rec.inFlight--;
      if (fail && rec.reads.length === fail.atRead) throw new Error('disk failed');
      return position >= blob.length ? 0 : blob.copy(buffer, 0, position, Math.min(blob.length, position + buffer.length));
    },
    async close() {
      rec.closes++;
      if (rec.inFlight > 0) rec.closedWithReadInFlight = true;
    },
  };
}

function recorder(): Recorder {
  return { reads: [], buffers: new Set(), inFlight: 0, maxInFlight: 0, closes: 0, closedWithReadInFlight: false };
}

const identity = (e: unknown): Error => e as Error;

/**
 * A part over `stored` (the blob as the store holds it) of `plainBytes` of plaintext; the record's
 * ciphertext length is the stored length unless `cipherBytes` says otherwise.
 */
function partOver(stored: Buffer, rec: Recorder, contentKey: Buffer, plainBytes: number, options: { cipherBytes?: number; range?: { first: number; last: number }; fail?: { atRead: number } } = {}): ContentPart {
  return {
    open: async () => memoryReader(stored, rec, options.fail),
    contentKey,
    plainBytes,
    cipherBytes: options.cipherBytes ?? stored.length,
    ...(options.range ? { range: options.range } : {}),
  };
}

/** A ContentStream reading two 64 KiB packages per read. */
function streamOf(parts: ContentPart[], translate: (e: unknown) => Error = identity): ContentStream {
  return new ContentStream(parts, 2 * STRIDE, translate);
}

async function drain(stream: Readable, slow = false): Promise<{ out: Buffer; error?: unknown }> {
  const out: Buffer[] = [];
  try {
    for await (const c of stream) {
      out.push(c as Buffer);
      if (slow) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return { out: Buffer.concat(out) };
  } catch (error) {
    return { out: Buffer.concat(out), error };
  }
}

test('whole segments of every boundary size read back exactly, with two reused buffers and one read in flight', async () => {
  const key = randomBytes(32);
  for (const size of [0, 1, P - 1, P, P + 1, 5 * P + 3, 9 * P]) {
    const plain = randomBytes(size);
    const blob = await seal(key, plain);
    const rec = recorder();
    const { out, error } = await drain(streamOf([partOver(blob, rec, key, size)]));
    assert.equal(error, undefined, `size ${size}`);
    assert.ok(out.equals(plain), `size ${size}`);
    assert.ok(rec.buffers.size <= 2, `size ${size}: ${rec.buffers.size} read buffers`);
    assert.equal(rec.maxInFlight, 1, `size ${size}`);
    assert.equal(rec.closes, 1, `size ${size}`);
    // Reads after the first (which also takes the header) start on package boundaries.
    for (const r of rec.reads.slice(1)) assert.equal((r.position - 16) % STRIDE, 0, `size ${size}: read at ${r.position}`);
    assert.equal(rec.reads.reduce((n, r) => n + r.length, 0), blob.length, `size ${size}: every byte read once`);
  }
});

test('the next read is issued before the consumer has taken the plaintext of the current one', async () => {
  const key = randomBytes(32);
  const plain = randomBytes(12 * P);
  const blob = await seal(key, plain);
  const rec = recorder();
  const stream = streamOf([partOver(blob, rec, key, plain.length)]);
  const readsAtFirstChunk = await new Promise<number>((resolve) => stream.once('data', () => resolve(rec.reads.length)));
  assert.equal(readsAtFirstChunk, 2, 'read-ahead: the second read is in flight when the first plaintext arrives');
  stream.pause();
  const { out } = await drain(stream, true);
  assert.equal(out.length, plain.length - P);
});

/** The parts of the plaintext range first..last of segments of `sizes` stored as `blobs`. */
function rangeParts(sizes: number[], blobs: Buffer[], rec: Recorder, key: Buffer, first: number, last: number): ContentPart[] {
  const parts: ContentPart[] = [];
  let offset = 0;
  sizes.forEach((size, i) => {
    const segFirst = offset;
    offset += size;
    if (last < segFirst || first > offset - 1) return;
    parts.push(partOver(blobs[i]!, rec, key, size, { range: { first: Math.max(first, segFirst) - segFirst, last: Math.min(last, offset - 1) - segFirst } }));
  });
  return parts;
}

test('ranges inside, across and at the ends of packages and reads, over several segments', async () => {
  const key = randomBytes(32);
  const sizes = [3 * P + 100, 5 * P, 17];
  const plains = sizes.map((n) => randomBytes(n));
  const blobs = await Promise.all(plains.map((p) => seal(key, p)));
  const whole = Buffer.concat(plains);
  const cases: Array<[number, number]> = [
    [0, 0], [P - 1, P], [1, 3 * P + 99], [2 * P + 5, 2 * P + 5], [3 * P + 99, 3 * P + 100], [P, whole.length - 1], [whole.length - 17, whole.length - 1], [0, whole.length - 1],
  ];
  for (const [first, last] of cases) {
    const rec = recorder();
    const parts = rangeParts(sizes, blobs, rec, key, first, last);
    const { out, error } = await drain(streamOf(parts));
    assert.equal(error, undefined, `${first}-${last}`);
    assert.ok(out.equals(whole.subarray(first, last + 1)), `${first}-${last}`);
    assert.equal(rec.closes, parts.length, `${first}-${last}: each segment closed`);
  }
});

test('envelopes of any package size read back whole and by range, with reads not aligned to their packages', async () => {
  const key = randomBytes(32);
  for (const packageBytes of [16, 4096, 64 * 1024, 1024 * 1024]) {
    const plain = randomBytes(3 * packageBytes + 5);
    const blob = await seal(key, plain, packageBytes);
    for (const [first, last] of [[0, plain.length - 1], [1, 1], [packageBytes - 1, packageBytes], [2 * packageBytes + 1, plain.length - 1]] as Array<[number, number]>) {
      const rec = recorder();
      const whole = first === 0 && last === plain.length - 1;
      const { out, error } = await drain(streamOf([partOver(blob, rec, key, plain.length, whole ? {} : { range: { first, last } })]));
      assert.equal(error, undefined, `packages of ${packageBytes}, ${first}-${last}`);
      assert.ok(out.equals(plain.subarray(first, last + 1)), `packages of ${packageBytes}, ${first}-${last}`);
      assert.ok(rec.buffers.size <= 3, `packages of ${packageBytes}: ${rec.buffers.size} buffers`);
    }
  }
});

test('a range over a damaged header fails with IntegrityError before any package is read', async () => {
  const key = randomBytes(32);
  const plain = randomBytes(3 * P);
  const blob = await seal(key, plain);
  for (const damage of [(b: Buffer) => void (b[2] = 40), (b: Buffer) => void (b[0] = 9)]) {
    const bad = Buffer.from(blob);
    damage(bad);
    const rec = recorder();
    const { error } = await drain(streamOf([partOver(bad, rec, key, plain.length, { range: { first: 5, last: 10 } })]));
    assert.ok(error instanceof IntegrityError, String(error));
    assert.equal(rec.reads.length, 1, 'only the header was read');
  }
  const rec = recorder();
  const { error } = await drain(streamOf([partOver(blob.subarray(0, 9), rec, key, plain.length, { cipherBytes: blob.length, range: { first: 5, last: 10 } })]));
  assert.ok(error instanceof IntegrityError, 'a header cut short');
});

interface MustFail {
  name: string;
  plainBytes: number;
  contentKeyHex?: string;
  cipherHex: string;
  maxReleasedBytes: number;
}
const vectors = JSON.parse(readFileSync(join(repoRoot, 'tests', 'vectors', 'crypto', 'envelope.json'), 'utf8')) as { contentKeyHex: string; mustFail: MustFail[] };

test('the must-fail envelope vectors fail with IntegrityError and release only verified plaintext', async () => {
  const key = Buffer.from(vectors.contentKeyHex, 'hex');
  for (const v of vectors.mustFail) {
    for (const readBytes of [32, 64, 4096]) {
      const cipher = Buffer.from(v.cipherHex, 'hex');
      const rec = recorder();
      const part = partOver(cipher, rec, v.contentKeyHex ? Buffer.from(v.contentKeyHex, 'hex') : key, v.plainBytes);
      const { out, error } = await drain(new ContentStream([part], readBytes, identity));
      assert.ok(error instanceof IntegrityError, `${v.name}, reads of ${readBytes}: got ${String(error)}`);
      assert.ok(out.length <= v.maxReleasedBytes, `${v.name}: released ${out.length} bytes`);
      assert.ok(rec.closes <= 1 && !rec.closedWithReadInFlight, v.name);
    }
  }
});

test('a flipped bit in a later read fails the stream before that package is released; the error is translated', async () => {
  const key = randomBytes(32);
  const plain = randomBytes(8 * P);
  const blob = await seal(key, plain);
  blob[16 + 5 * STRIDE + 77]! ^= 1;
  const rec = recorder();
  const translated = new Error('translated');
  const stream = streamOf([partOver(blob, rec, key, plain.length)], (e) => (e instanceof IntegrityError ? translated : (e as Error)));
  const { out, error } = await drain(stream);
  assert.equal(error, translated);
  assert.ok(out.length <= 5 * P, `released ${out.length} bytes`);
  assert.ok(out.equals(plain.subarray(0, out.length)));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(rec.closes, 1);
  assert.equal(rec.closedWithReadInFlight, false);
});

test('a blob shorter than its record fails as truncated', async () => {
  const key = randomBytes(32);
  const plain = randomBytes(4 * P + 9);
  const blob = await seal(key, plain);
  for (const cut of [1, TAG_BYTES, STRIDE + 3]) {
    const rec = recorder();
    const short = blob.subarray(0, blob.length - cut);
    const { error } = await drain(streamOf([partOver(short, rec, key, plain.length, { cipherBytes: blob.length })]));
    assert.ok(error instanceof IntegrityError, `cut ${cut}: ${String(error)}`);
  }
});

test('a failing read or open fails the stream; a consumer hanging up closes the blob once, after its read lands', async () => {
  const key = randomBytes(32);
  const plain = randomBytes(10 * P);
  const blob = await seal(key, plain);
  const rec = recorder();
  const failing = await drain(streamOf([partOver(blob, rec, key, plain.length, { fail: { atRead: 2 } })]));
  assert.match(String(failing.error), /disk failed/);
  const noBlob = await drain(streamOf([{ open: () => Promise.reject(new Error('no such blob')), contentKey: key, plainBytes: plain.length, cipherBytes: blob.length }]));
  assert.match(String(noBlob.error), /no such blob/);

  const hung = recorder();
  const stream = streamOf([partOver(blob, hung, key, plain.length)]);
  await new Promise<void>((resolve) => stream.once('data', () => resolve()));
  assert.equal(hung.inFlight, 1, 'a read is in flight when the consumer hangs up');
  stream.destroy();
  await new Promise((resolve) => stream.once('close', resolve));
  assert.equal(hung.closes, 1);
  assert.equal(hung.closedWithReadInFlight, false);
});

test('the envelope opener keeps no chunk: a caller may overwrite its buffer as soon as update returns', async () => {
  const key = randomBytes(32);
  const plain = randomBytes(3 * P + 50);
  const blob = await seal(key, plain);
  for (const piece of [7, 4099, STRIDE - 1, STRIDE + 1]) {
    const opener = createEnvelopeOpener(key, { plainBytes: plain.length });
    const scratch = Buffer.allocUnsafe(piece);
    const out: Buffer[] = [];
    for (let at = 0; at < blob.length; at += piece) {
      const n = blob.copy(scratch, 0, at, Math.min(blob.length, at + piece));
      opener.update(scratch.subarray(0, n), out);
      scratch.fill(0xa5);
    }
    opener.final();
    assert.ok(Buffer.concat(out).equals(plain), `pieces of ${piece}`);
  }
});

/** readWhole over the same parts, as drain() reports a stream. */
async function whole(parts: ContentPart[]): Promise<{ out: Buffer; error?: unknown }> {
  try {
    return { out: await readWhole(parts) };
  } catch (error) {
    return { out: Buffer.alloc(0), error };
  }
}

test('readWhole gives what ContentStream gives: whole segments, ranges over several segments, any package size', async () => {
  const key = randomBytes(32);
  for (const size of [0, 1, 17, P - 1, P, P + 1, 3 * P + 5]) {
    const plain = randomBytes(size);
    const blob = await seal(key, plain);
    const rec = recorder();
    const { out, error } = await whole([partOver(blob, rec, key, size)]);
    assert.equal(error, undefined, `size ${size}`);
    assert.ok(out.equals(plain), `size ${size}`);
    assert.equal(rec.closes, 1, `size ${size}`);
  }
  const sizes = [2 * P + 100, 17, 4096];
  for (const packageBytes of [16, 4096, P]) {
    const plains = sizes.map((n) => randomBytes(n));
    const blobs = await Promise.all(plains.map((p) => seal(key, p, packageBytes)));
    const all = Buffer.concat(plains);
    for (const [first, last] of [[0, 0], [packageBytes - 1, packageBytes], [1, all.length - 2], [2 * P + 99, 2 * P + 101], [all.length - 1, all.length - 1]] as Array<[number, number]>) {
      const parts = rangeParts(sizes, blobs, recorder(), key, first, last);
      const streamed = await drain(streamOf(parts));
      const read = await whole(parts);
      assert.equal(read.error, undefined, `${packageBytes}: ${first}-${last}`);
      assert.ok(read.out.equals(all.subarray(first, last + 1)), `${packageBytes}: ${first}-${last}`);
      assert.ok(read.out.equals(streamed.out), `${packageBytes}: ${first}-${last} as streamed`);
    }
  }
});

test('must fail: readWhole returns nothing of a damaged, truncated or unreadable envelope, and closes each blob once', async () => {
  const key = Buffer.from(vectors.contentKeyHex, 'hex');
  for (const v of vectors.mustFail) {
    const rec = recorder();
    const { out, error } = await whole([partOver(Buffer.from(v.cipherHex, 'hex'), rec, v.contentKeyHex ? Buffer.from(v.contentKeyHex, 'hex') : key, v.plainBytes)]);
    assert.ok(error instanceof IntegrityError, `${v.name}: got ${String(error)}`);
    assert.equal(out.length, 0, v.name);
    assert.equal(rec.closes, 1, v.name);
  }
  const plain = randomBytes(3 * P + 9);
  const blob = await seal(key, plain);
  for (const cut of [1, TAG_BYTES, STRIDE + 3, blob.length - 5]) {
    const rec = recorder();
    const { error } = await whole([partOver(blob.subarray(0, blob.length - cut), rec, key, plain.length, { cipherBytes: blob.length })]);
    assert.ok(error instanceof IntegrityError, `cut ${cut}: ${String(error)}`);
    const ranged = await whole([partOver(blob.subarray(0, blob.length - cut), recorder(), key, plain.length, { cipherBytes: blob.length, range: { first: 3 * P, last: 3 * P + 8 } })]);
    assert.ok(ranged.error instanceof IntegrityError, `cut ${cut}, range: ${String(ranged.error)}`);
  }
  const flipped = Buffer.from(blob);
  flipped[16 + 2 * STRIDE + 1]! ^= 1;
  assert.ok((await whole([partOver(flipped, recorder(), key, plain.length)])).error instanceof IntegrityError);
  const rec = recorder();
  const failing = await whole([partOver(blob, rec, key, plain.length, { fail: { atRead: 1 } })]);
  assert.match(String(failing.error), /disk failed/);
  assert.equal(rec.closes, 1);
});
