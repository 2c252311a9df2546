/**
 * The filesystem BlobStore against the BlobStore conformance suite, plus what only a file system
 * can get wrong: object names reaching paths, locators escaping the root, file modes, the startup
 * sweep of an interrupted write's temporary file, and a full disk.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { blobStoreSuite, collect, generate, listAll, pattern } from './blob-store-suite.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { BlobNotFoundError, BlobStoreFullError, type BlobStore, type BlobWriteResult } from '../../src/storage/blob-store.js';

/** A temp dir holding the store root at `<dir>/blobs`, so anything written beside the root shows. */
async function tempRoot(): Promise<{ dir: string; root: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'obscura-fs-blob-'));
  return { dir, root: join(dir, 'blobs'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Every path under `dir`, relative to it. */
async function walk(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

/**
 * One root and one store for the whole file, emptied before each test: a new root costs 4,096
 * shard directories on its first write, and list() walks all of them, which would dominate the
 * run (seconds on a busy disk). The store only records what it wrote so that emptying needs no
 * walk; the first test below makes the first writes to the root, so that path is still covered.
 */
class RecordingFsBlobStore extends FsBlobStore {
  readonly written = new Set<string>();

  override async write(source: AsyncIterable<Buffer> | Readable): Promise<BlobWriteResult> {
    const result = await super.write(source);
    this.written.add(result.locator);
    return result;
  }

  override async copy(locator: string): Promise<BlobWriteResult> {
    const result = await super.copy(locator);
    this.written.add(result.locator);
    return result;
  }
}

const shared = tempRoot().then((t) => ({ ...t, store: new RecordingFsBlobStore(t.root) }));
after(async () => (await shared).remove());

async function emptied(): Promise<{ dir: string; root: string; store: FsBlobStore }> {
  const s = await shared;
  for (const locator of s.store.written) await s.store.delete(locator);
  s.store.written.clear();
  await s.store.cleanTemporary();
  return s;
}

// Runs first, on the shared root before anything else has written to it.
test('FsBlobStore: on a new root, concurrent first writes succeed, files are owner-only and object names never reach the file system', async () => {
  const { dir, root, store: fs } = await emptied();
  const store: BlobStore = fs;
  const hints = ['../../secret-object-name/../passwd', 'secret-object-name', '/secret-object-name', 'dir/secret-object-name.txt'];
  const written = await Promise.all(hints.map((hint, i) => store.write(generate(i, 10 + i), hint)));
  const copied = await store.copy(written[0]!.locator, hints[0]);
  const locators = [...written.map((w) => w.locator), copied.locator];
  for (const locator of locators) {
    assert.ok(!/secret|passwd|\.\./.test(locator), locator);
    assert.equal((await stat(join(root, locator))).mode & 0o777, 0o600, locator);
  }
  for (const [i, { locator }] of written.entries()) assert.deepEqual(await collect(await store.read(locator)), pattern(i, 0, 10 + i));
  assert.deepEqual(await readdir(dir), ['blobs'], 'nothing is created beside the root');
  for (const path of await walk(root)) assert.ok(!/secret|passwd/.test(path), path);
  assert.deepEqual(await listAll(store), [...locators].sort());
});

test('FsBlobStore: locators that are not its own never open, delete or list a file', async () => {
  const { dir, root, store } = await emptied();
  const planted = [join(root, 'planted'), join(dir, 'outside'), join(root, 'ab', 'cd', 'not-a-blob-name')];
  try {
    const { locator } = await store.write(generate(2, 10));
    await mkdir(join(root, 'ab', 'cd'), { recursive: true });
    for (const path of planted) await writeFile(path, 'x');
    for (const bad of ['planted', '../outside', join(dir, 'outside'), `${locator}/../../../planted`, 'ab/cd/not-a-blob-name']) {
      await assert.rejects(store.read(bad), BlobNotFoundError, bad);
      await assert.rejects(store.size(bad), BlobNotFoundError, bad);
      await store.delete(bad);
    }
    for (const path of planted) assert.equal((await stat(path)).size, 1, path);
    assert.deepEqual(await listAll(store), [locator]);
  } finally {
    for (const path of planted) await rm(path, { force: true });
    await rm(join(root, 'ab', 'cd'), { recursive: true, force: true });
  }
});

test('FsBlobStore: the startup sweep removes the temporary file of an interrupted write', async () => {
  const { root, store } = await emptied();
  // A write that has received some bytes and then stalls, as when the process dies mid-upload.
  const stalled = new Readable({ read() {} });
  stalled.push(pattern(4, 0, 1000));
  const pending = store.write(stalled);
  const tmp = join(root, 'tmp');
  const deadline = Date.now() + 5000;
  while ((await readdir(tmp).catch(() => [])).length === 0) {
    assert.ok(Date.now() < deadline, 'the write never created its temporary file');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(await listAll(store), [], 'an unfinished write is not listed');

  const restarted = new FsBlobStore(root);
  assert.equal(await restarted.cleanTemporary(), 1);
  assert.deepEqual(await readdir(tmp), []);
  assert.equal(await restarted.cleanTemporary(), 0);

  const failure = new Error('connection reset');
  stalled.destroy(failure);
  await assert.rejects(pending, (e: unknown) => e === failure);
  assert.deepEqual(await listAll(restarted), []);
  assert.deepEqual(await readdir(tmp), []);
});

test('FsBlobStore: a stream opened before delete still yields the whole blob', async () => {
  const { store } = await emptied();
  const { locator } = await store.write(generate(5, 300_000));
  const stream = await store.read(locator, undefined, { chunkBytes: 4096 });
  await store.delete(locator);
  assert.deepEqual(await collect(stream), pattern(5, 0, 300_000));
});

test('FsBlobStore: a full disk rejects with BlobStoreFullError and leaves nothing behind', async () => {
  const { root, store: healthy } = await emptied();
  const kept = await healthy.write(generate(6, 100));
  const store = new FsBlobStore(root, {
    beforeWrite: () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    },
  });
  await assert.rejects(store.write(generate(7, 3 * 1024 * 1024)), BlobStoreFullError);
  await assert.rejects(store.write(Readable.from(generate(8, 3 * 1024 * 1024), { objectMode: false })), BlobStoreFullError);
  await assert.rejects(store.copy(kept.locator), BlobStoreFullError);
  assert.deepEqual(await listAll(store), [kept.locator]);
  assert.deepEqual(await readdir(join(root, 'tmp')), []);
  assert.equal(await store.cleanTemporary(), 0);
});

blobStoreSuite('FsBlobStore', async () => {
  const { root, store } = await emptied();
  const reopened: FsBlobStore[] = [];
  return {
    store,
    reopen: async () => {
      const again = new FsBlobStore(root);
      reopened.push(again);
      return again;
    },
    cleanup: async () => {
      for (const s of reopened) await s.close();
    },
  };
});
