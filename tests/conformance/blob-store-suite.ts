/**
 * Conformance suite for the `BlobStore` interface (src/storage/blob-store.ts): every method, as
 * its contract states it, with exact byte checks. Each implementation's test file only calls
 * `blobStoreSuite` with a factory; implementation details (paths, shards, upstream keys) stay out.
 * Large blobs come from a generator and are compared by digest, so no test holds a whole body.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobNotFoundError, type BlobLocator, type BlobStore } from '../../src/storage/blob-store.js';

export interface BlobStoreUnderTest {
  /** A store with no blobs and no temporary files (a new one, or an existing one emptied). */
  store: BlobStore;
  /** Another instance over the same storage, as after a restart; omitted when storage is process-local. */
  reopen?(): Promise<BlobStore>;
  /** Closes every instance and removes the storage. */
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;

/** Position-dependent bytes (a 32-bit mix of seed and offset), so an offset error never goes unseen. */
export function pattern(seed: number, start: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    let x = Math.imul((start + i) ^ Math.imul(seed, 0x27d4eb2d), 0x9e3779b1);
    x ^= x >>> 15;
    x = Math.imul(x, 0x85ebca77);
    x ^= x >>> 13;
    out[i] = x & 0xff;
  }
  return out;
}

/** Chunk sizes that never line up with a power of two. */
const ODD_CHUNKS = [65_537, 1, 300_007, 4_093, 1 * MiB + 3];

/** `totalBytes` of pattern(seed) in odd-sized chunks; throws `failure` once `failAfterBytes` were yielded. */
export async function* generate(seed: number, totalBytes: number, failAfterBytes?: number, failure?: Error): AsyncGenerator<Buffer> {
  let offset = 0;
  let turn = 0;
  while (offset < totalBytes) {
    if (failAfterBytes !== undefined && offset >= failAfterBytes) throw failure ?? new Error('source failed');
    const length = Math.min(ODD_CHUNKS[turn++ % ODD_CHUNKS.length]!, totalBytes - offset);
    yield pattern(seed, offset, length);
    offset += length;
    // Let the consumer interleave, as a network source would.
    if (turn % 4 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (failAfterBytes !== undefined) throw failure ?? new Error('source failed');
}

async function* chunksOf(chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}

async function sha256Of(source: AsyncIterable<Buffer>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function chunkLengths(stream: Readable): Promise<{ lengths: number[]; body: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { lengths: chunks.map((c) => c.length), body: Buffer.concat(chunks) };
}

/** Every locator the store lists, sorted. */
export async function listAll(store: BlobStore): Promise<BlobLocator[]> {
  const out: BlobLocator[] = [];
  for await (const locator of store.list()) out.push(locator);
  return out.sort();
}

function notFound(locator: BlobLocator) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof BlobNotFoundError, `expected BlobNotFoundError, got ${String(e)}`);
    assert.equal(e.locator, locator);
    return true;
  };
}

/** A byte-mode Readable that pushes `chunks`, then ends, errors or is destroyed (after a tick each). */
function readableOf(chunks: Buffer[], ending: { error?: Error; destroy?: boolean } = {}): Readable {
  let i = 0;
  return new Readable({
    read() {
      setImmediate(() => {
        if (i < chunks.length) this.push(chunks[i++]);
        else if (ending.error) this.destroy(ending.error);
        else if (ending.destroy) this.destroy();
        else this.push(null);
      });
    },
  });
}

export function blobStoreSuite(name: string, factory: () => Promise<BlobStoreUnderTest>, options: { randomAccess: boolean } = { randomAccess: true }): void {
  /** Each test gets its own store from the factory and cleans it up, whatever the outcome. */
  const it = (title: string, body: (t: BlobStoreUnderTest, ctx: TestContext) => Promise<void>): void => {
    test(`${name}: ${title}`, { timeout: 20_000 }, async (ctx) => {
      const t = await factory();
      try {
        await body(t, ctx);
      } finally {
        await t.cleanup();
      }
    });
  };

  it('a fresh store lists nothing and has no temporary files', async ({ store }) => {
    assert.deepEqual(await listAll(store), []);
    assert.equal(await store.cleanTemporary(), 0);
  });

  it('small writes from iterables and Readables read back byte-exact with their size', async ({ store }) => {
    const cases: { label: string; body: Buffer; source: () => AsyncIterable<Buffer> | Readable }[] = [];
    for (const length of [0, 1, 2, 1000, 65_536, 65_537]) {
      const body = pattern(length, 0, length);
      cases.push({ label: `iterable ${length}`, body, source: () => generate(length, length) });
      cases.push({ label: `Readable ${length}`, body, source: () => readableOf(length === 0 ? [] : [body.subarray(0, 1), body.subarray(1)]) });
    }
    cases.push({ label: 'only empty chunks', body: Buffer.alloc(0), source: () => chunksOf([Buffer.alloc(0), Buffer.alloc(0)]) });
    cases.push({ label: 'empty chunks between data', body: Buffer.from('ab'), source: () => chunksOf([Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(0), Buffer.from('b'), Buffer.alloc(0)]) });
    const locators: BlobLocator[] = [];
    for (const c of cases) {
      const result = await store.write(c.source());
      assert.equal(typeof result.locator, 'string', c.label);
      assert.ok(result.locator.length > 0, c.label);
      assert.equal(result.bytes, c.body.length, c.label);
      assert.equal(await store.size(result.locator), c.body.length, c.label);
      assert.deepEqual(await collect(await store.read(result.locator)), c.body, c.label);
      locators.push(result.locator);
    }
    assert.equal(new Set(locators).size, locators.length, 'every write gets its own locator');
    assert.deepEqual(await listAll(store), [...locators].sort());
  });

  it('multi-MiB blobs from an iterable and from a Readable read back byte-exact', async ({ store }) => {
    for (const [seed, totalBytes, asReadable] of [
      [11, 5 * MiB + 123, false],
      [12, 10 * MiB + 1, true],
    ] as const) {
      const source = asReadable ? Readable.from(generate(seed, totalBytes), { objectMode: false }) : generate(seed, totalBytes);
      const result = await store.write(source);
      assert.equal(result.bytes, totalBytes);
      assert.equal(await store.size(result.locator), totalBytes);
      const expected = await sha256Of(generate(seed, totalBytes));
      assert.deepEqual(await sha256Of(await store.read(result.locator)), expected);
    }
  });

  it('ranged reads return exactly the inclusive range: start, middle, end, single bytes, whole', async ({ store }) => {
    const seed = 21;
    const totalBytes = 3 * MiB + 7;
    const { locator } = await store.write(generate(seed, totalBytes));
    const ranges: [number, number][] = [
      [0, 0],
      [0, 99],
      [0, MiB - 1],
      [1, MiB],
      [MiB - 1, MiB],
      [MiB - 3, 2 * MiB + 5],
      [1_234_567, 1_234_567],
      [totalBytes - 100, totalBytes - 1],
      [totalBytes - 1, totalBytes - 1],
      [0, totalBytes - 1],
    ];
    for (const [start, end] of ranges) {
      const body = await collect(await store.read(locator, { start, end }));
      assert.equal(body.length, end - start + 1, `${start}-${end}`);
      assert.ok(body.equals(pattern(seed, start, end - start + 1)), `${start}-${end}`);
    }
    const small = pattern(22, 0, 10);
    const one = await store.write(readableOf([small]));
    assert.deepEqual(await collect(await store.read(one.locator, { start: 3, end: 6 })), small.subarray(3, 7));
    assert.deepEqual(await collect(await store.read(one.locator, { start: 9, end: 9 })), small.subarray(9));
  });

  it('read honours chunkBytes: every chunk but the last has exactly that size', async ({ store }) => {
    const seed = 31;
    const totalBytes = 2 * MiB + 12_345;
    const { locator } = await store.write(generate(seed, totalBytes));
    const cases: { chunkBytes: number; start: number; end: number }[] = [
      { chunkBytes: 65_536 + 28, start: 0, end: totalBytes - 1 },
      { chunkBytes: 65_536 + 28, start: 65_536 + 28 + 16, end: totalBytes - 1 },
      { chunkBytes: 4096, start: 100, end: 100 + 4096 * 3 },
      { chunkBytes: 7, start: 5, end: 60 },
      { chunkBytes: 1, start: 0, end: 9 },
      { chunkBytes: 4 * MiB, start: 0, end: totalBytes - 1 },
    ];
    for (const { chunkBytes, start, end } of cases) {
      const label = `chunkBytes ${chunkBytes}, ${start}-${end}`;
      const { lengths, body } = await chunkLengths(await store.read(locator, { start, end }, { chunkBytes }));
      const length = end - start + 1;
      const expected = Array.from({ length: Math.ceil(length / chunkBytes) }, (_, i) => Math.min(chunkBytes, length - i * chunkBytes));
      assert.deepEqual(lengths, expected, label);
      assert.ok(body.equals(pattern(seed, start, length)), label);
    }
    const whole = await chunkLengths(await store.read(locator, undefined, { chunkBytes: MiB }));
    assert.deepEqual(whole.lengths, [MiB, MiB, 12_345]);
  });

  it('missing and malformed locators: read, size and copy reject with BlobNotFoundError naming the locator', async ({ store }) => {
    const { locator } = await store.write(generate(41, 10));
    await store.delete(locator);
    for (const missing of [locator, `${locator}x`, '', 'nope', '../../../../etc/passwd', '/etc/passwd', 'a/../../b', '..', '.', '%2e%2e/x', 'x\u0000y']) {
      await assert.rejects(store.read(missing), notFound(missing), JSON.stringify(missing));
      await assert.rejects(store.read(missing, { start: 0, end: 0 }), notFound(missing), JSON.stringify(missing));
      await assert.rejects(store.size(missing), notFound(missing), JSON.stringify(missing));
      await assert.rejects(store.copy(missing), notFound(missing), JSON.stringify(missing));
      await store.delete(missing);
    }
  });

  it('a write whose source fails midway rejects with the source error and leaves nothing behind', async (t) => {
    const { store } = t;
    const kept = await store.write(generate(51, 1000));
    const sources: { label: string; error?: Error; source: (error: Error) => AsyncIterable<Buffer> | Readable }[] = [
      { label: 'iterable throws at once', source: (e) => generate(52, 10, 0, e) },
      { label: 'iterable throws after 3 MiB', source: (e) => generate(53, 8 * MiB, 3 * MiB, e) },
      { label: 'Readable errors after 2.5 MiB', source: (e) => Readable.from(generate(54, 8 * MiB, 2.5 * MiB, e), { objectMode: false }) },
      { label: 'Readable errors after a few bytes', source: (e) => readableOf([pattern(55, 0, 10), pattern(55, 10, 10)], { error: e }) },
    ];
    for (const { label, source } of sources) {
      const failure = new Error(`source failure: ${label}`);
      await assert.rejects(store.write(source(failure)), (e: unknown) => e === failure, label);
    }
    // Destroyed without an error: still refused, whatever error the store reports.
    await assert.rejects(store.write(readableOf([pattern(56, 0, 100)], { destroy: true })), Error, 'Readable destroyed midway');
    // Already failed before the write began.
    const early = new Error('failed before the write');
    const dead = new Readable({ read() {} });
    dead.on('error', () => undefined);
    dead.destroy(early);
    await new Promise<void>((resolve) => dead.once('close', () => resolve()));
    await assert.rejects(store.write(dead), (e: unknown) => e === early, 'Readable errored before write');
    // Failing while the store is still setting up (the caller, like any stream owner, listens for 'error').
    const sudden = new Error('failed as the write began');
    const racing = readableOf([pattern(57, 0, 100)]);
    racing.on('error', () => undefined);
    const racingWrite = store.write(racing);
    racing.destroy(sudden);
    await assert.rejects(racingWrite, (e: unknown) => e === sudden, 'Readable errored as the write began');
    const closing = readableOf([pattern(58, 0, 100)]);
    const closingWrite = store.write(closing);
    closing.destroy();
    await assert.rejects(closingWrite, Error, 'Readable destroyed as the write began');

    assert.deepEqual(await listAll(store), [kept.locator], 'no blob from a failed write is listed');
    assert.equal(await store.cleanTemporary(), 0, 'no temporary left for the sweep');
    assert.deepEqual(await collect(await store.read(kept.locator)), pattern(51, 0, 1000));
    if (t.reopen) assert.equal(await (await t.reopen()).cleanTemporary(), 0, 'nothing for the sweep after a restart');
  });

  it('delete is idempotent and removes only its blob', async ({ store }) => {
    const a = await store.write(generate(61, 5000));
    const b = await store.write(generate(62, 5000));
    await store.delete(a.locator);
    await store.delete(a.locator);
    await assert.rejects(store.read(a.locator), notFound(a.locator));
    await assert.rejects(store.size(a.locator), notFound(a.locator));
    assert.deepEqual(await listAll(store), [b.locator]);
    assert.deepEqual(await collect(await store.read(b.locator)), pattern(62, 0, 5000));
    await store.delete(b.locator);
    await assert.rejects(store.size(b.locator), notFound(b.locator));
  });

  it('copy makes an independent blob with a new locator and the same bytes', async ({ store }) => {
    const totalBytes = MiB + 17;
    const original = await store.write(generate(71, totalBytes));
    const copied = await store.copy(original.locator, 'copy-hint');
    assert.notEqual(copied.locator, original.locator);
    assert.equal(copied.bytes, totalBytes);
    assert.equal(await store.size(copied.locator), totalBytes);
    await store.delete(original.locator);
    assert.deepEqual(await sha256Of(await store.read(copied.locator)), await sha256Of(generate(71, totalBytes)));
    await assert.rejects(store.size(original.locator), notFound(original.locator));

    const empty = await store.write(generate(72, 0));
    const emptyCopy = await store.copy(empty.locator);
    assert.equal(emptyCopy.bytes, 0);
    assert.notEqual(emptyCopy.locator, empty.locator);
    assert.deepEqual(await collect(await store.read(emptyCopy.locator)), Buffer.alloc(0));
    const again = await store.copy(copied.locator);
    assert.deepEqual(await listAll(store), [copied.locator, empty.locator, emptyCopy.locator, again.locator].sort(), 'the deleted original is gone');
  });

  it('hints are only labels: hostile or repeated hints give distinct, readable blobs', async ({ store }) => {
    const hints = ['photos/2024/a.jpg', 'photos/2024/a.jpg', '../../../../tmp/escape', '/etc/passwd', 'a b%20c?d#e', 'ünï/çødé/😀', '.', '', 'x'.repeat(1024)];
    const written: { locator: BlobLocator; seed: number }[] = [];
    for (const [i, hint] of hints.entries()) {
      const seed = 80 + i;
      const result = await store.write(generate(seed, 100 + i), hint);
      assert.equal(result.bytes, 100 + i);
      written.push({ locator: result.locator, seed });
    }
    assert.equal(new Set(written.map((w) => w.locator)).size, hints.length, 'no two writes share a locator');
    for (const [i, { locator, seed }] of written.entries()) assert.deepEqual(await collect(await store.read(locator)), pattern(seed, 0, 100 + i), hints[i]);
    assert.deepEqual(await listAll(store), written.map((w) => w.locator).sort());
  });

  it('concurrent writes and reads of different blobs do not interfere', async ({ store }) => {
    const sizes = [0, 1, 999, 65_536, MiB - 1, MiB + 1, 2 * MiB + 3, 100, 3 * MiB, 5, 70_000, 1_500_000, 33, 4096, 2, MiB];
    const results = await Promise.all(
      sizes.map((size, i) => store.write(i % 2 === 0 ? generate(100 + i, size) : Readable.from(generate(100 + i, size), { objectMode: false }), `same-hint`)),
    );
    assert.deepEqual(results.map((r) => r.bytes), sizes);
    assert.equal(new Set(results.map((r) => r.locator)).size, sizes.length);
    const digests = await Promise.all(results.map(async (r) => sha256Of(await store.read(r.locator))));
    const expected = await Promise.all(sizes.map((size, i) => sha256Of(generate(100 + i, size))));
    assert.deepEqual(digests, expected);
    // Deletes racing with writes and reads of other blobs.
    const [, , late] = await Promise.all([
      Promise.all(results.slice(0, 8).map((r) => store.delete(r.locator))),
      Promise.all(results.slice(8).map(async (r, i) => assert.deepEqual(await sha256Of(await store.read(r.locator)), expected[8 + i]))),
      store.write(generate(99, 2 * MiB)),
    ]);
    assert.deepEqual(await listAll(store), [...results.slice(8).map((r) => r.locator), late.locator].sort());
  });

  it('a read stream opened before delete yields the exact bytes or fails, never other bytes', async ({ store }) => {
    const totalBytes = 3 * MiB;
    const { locator } = await store.write(generate(121, totalBytes));
    const stream = await store.read(locator, undefined, { chunkBytes: 65_536 });
    await store.delete(locator);
    let outcome: { sha256: string; bytes: number } | Error;
    try {
      outcome = await sha256Of(stream);
    } catch (e) {
      outcome = e as Error;
    }
    if (!(outcome instanceof Error)) assert.deepEqual(outcome, await sha256Of(generate(121, totalBytes)));
    await assert.rejects(store.read(locator), notFound(locator));
  });

  it('a resolved write is durable: another instance over the same storage sees it', async (t, ctx) => {
    if (!t.reopen) return void ctx.skip('the store is process-local');
    const a = await t.store.write(generate(131, MiB + 5));
    const b = await t.store.write(Readable.from(generate(132, 10), { objectMode: false }));
    const c = await t.store.copy(a.locator);
    const again = await t.reopen();
    assert.deepEqual(await listAll(again), [a.locator, b.locator, c.locator].sort());
    assert.equal(await again.cleanTemporary(), 0);
    assert.equal(await again.size(a.locator), MiB + 5);
    assert.deepEqual(await sha256Of(await again.read(c.locator)), await sha256Of(generate(131, MiB + 5)));
    assert.deepEqual(await collect(await again.read(b.locator, { start: 2, end: 4 })), pattern(132, 2, 3));
    await again.delete(b.locator);
    await assert.rejects(t.store.read(b.locator), notFound(b.locator));
  });

  if (!options.randomAccess) {
    it('offers no random-access reader (reads go through its streams)', async ({ store }) => {
      assert.equal(store.open, undefined);
    });
    return;
  }

  it('open: a reader fills the caller\'s buffers from any position, short only at the end, and closes idempotently', async ({ store }) => {
    for (const totalBytes of [0, 1, 70_000, 3 * MiB + 7]) {
      const { locator } = await store.write(generate(141 + totalBytes, totalBytes));
      const reader = await store.open!(locator);
      const buffer = Buffer.alloc(65_539);
      for (const position of [0, 1, 65_535, totalBytes - 10, totalBytes - 1, totalBytes, totalBytes + 5].filter((p) => p >= 0)) {
        buffer.fill(0xee);
        const bytes = await reader.read(buffer, position);
        const expected = Math.max(0, Math.min(buffer.length, totalBytes - position));
        assert.equal(bytes, expected, `${totalBytes} bytes, read at ${position}`);
        assert.ok(buffer.subarray(0, bytes).equals(pattern(141 + totalBytes, position, bytes)), `${totalBytes} bytes, read at ${position}`);
      }
      // The same buffer, reused for a whole sequential scan.
      let position = 0;
      const hash = createHash('sha256');
      for (;;) {
        const bytes = await reader.read(buffer, position);
        hash.update(buffer.subarray(0, bytes));
        position += bytes;
        if (bytes < buffer.length) break;
      }
      assert.equal(position, totalBytes);
      assert.equal(hash.digest('hex'), (await sha256Of(generate(141 + totalBytes, totalBytes))).sha256);
      await reader.close();
      await reader.close();
    }
  });

  it('open: a missing or invalid locator is BlobNotFoundError; a reader opened before delete yields the exact bytes or fails', async ({ store }) => {
    await assert.rejects(store.open!('ab/c0/' + '0'.repeat(32)), notFound('ab/c0/' + '0'.repeat(32)));
    await assert.rejects(store.open!('db/' + '0'.repeat(32)), notFound('db/' + '0'.repeat(32)));
    await assert.rejects(store.open!('../../etc/passwd'), notFound('../../etc/passwd'));
    const { locator } = await store.write(generate(151, MiB));
    const reader = await store.open!(locator);
    await store.delete(locator);
    const buffer = Buffer.alloc(MiB);
    try {
      const bytes = await reader.read(buffer, 0);
      assert.equal(bytes, MiB);
      assert.ok(buffer.equals(pattern(151, 0, MiB)));
    } catch (e) {
      assert.ok(e instanceof Error);
    } finally {
      await reader.close();
    }
    await assert.rejects(store.open!(locator), notFound(locator));
  });
}
