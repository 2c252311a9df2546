/**
 * Small blobs in the metadata database: SqliteBlobStore alone and TieredBlobStore (SQLite for
 * small blobs, files for the rest) against the BlobStore conformance suite, plus what only they
 * can get wrong: the size boundary, where each blob lands (streamed or whole in memory), a full database, and a source that
 * fails while its first bytes are held.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { blobStoreSuite, collect, generate, listAll, pattern } from './blob-store-suite.js';
import { SqliteMetadataStore } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import { SqliteBlobStore } from '../../src/storage/sqlite/sqlite-blob-store.js';
import { TieredBlobStore } from '../../src/storage/tiered/tiered-blob-store.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { BlobNotFoundError, BlobStoreFullError, type BlobStore } from '../../src/storage/blob-store.js';

const SMALL_MAX = 65_568;
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'obscura-sqlite-blob-'));
  dirs.push(dir);
  return dir;
}

/** A store over the database (and blob root) in `dir`, as the server opens it (which writes on a writer thread). */
function open(dir: string, tiered: boolean, writerThread = false): { store: BlobStore; metadata: SqliteMetadataStore } {
  const metadata = new SqliteMetadataStore(join(dir, 'metadata.sqlite'), { writerThread });
  const small = new SqliteBlobStore(metadata);
  const store = tiered ? new TieredBlobStore({ small, large: new FsBlobStore(join(dir, 'blobs')), ownsSmall: SqliteBlobStore.owns, smallMaxBytes: SMALL_MAX }) : small;
  return { store, metadata };
}

for (const [tiered, writerThread] of [[false, false], [true, false], [false, true], [true, true]] as const) {
  blobStoreSuite(`${tiered ? 'TieredBlobStore (SQLite + files)' : 'SqliteBlobStore'}${writerThread ? ', writes on a writer thread' : ''}`, async () => {
    const dir = await tempDir();
    const opened = [open(dir, tiered, writerThread)];
    return {
      store: opened[0]!.store,
      reopen: async () => {
        opened.push(open(dir, tiered, writerThread));
        return opened.at(-1)!.store;
      },
      cleanup: async () => {
        for (const o of opened) {
          await o.store.close();
          await o.metadata.close();
        }
      },
    };
  });
}

test('TieredBlobStore: blobs up to the limit are rows, larger ones files, and every path reads back', async () => {
  const dir = await tempDir();
  const { store, metadata } = open(dir, true);
  try {
    const sizes = [0, 1, SMALL_MAX - 1, SMALL_MAX, SMALL_MAX + 1, 3 * SMALL_MAX + 7];
    const written = [];
    for (const [i, size] of sizes.entries()) written.push(await store.write(generate(i, size)));
    for (const [i, { locator, bytes }] of written.entries()) {
      assert.equal(bytes, sizes[i]);
      assert.equal(SqliteBlobStore.owns(locator), sizes[i]! <= SMALL_MAX, `${sizes[i]} bytes: ${locator}`);
      assert.deepEqual(await collect(await store.read(locator)), pattern(i, 0, sizes[i]!));
      assert.equal(await store.size(locator), sizes[i]);
    }
    // A blob already whole in memory lands where its stream would have.
    for (const [i, size] of sizes.entries()) {
      const data = pattern(i, 0, size);
      const { locator, bytes } = await store.writeBuffer!(data);
      assert.equal(bytes, size);
      assert.equal(SqliteBlobStore.owns(locator), size <= SMALL_MAX, `writeBuffer ${size} bytes: ${locator}`);
      assert.deepEqual(await collect(await store.read(locator)), data);
      await store.delete(locator);
    }
    const files = (await readdir(join(dir, 'blobs'), { recursive: true })).filter((p) => /[0-9a-f]{32}$/.test(p));
    assert.equal(files.length, 2, 'only the two large blobs became files');
    const rows = new Database(join(dir, 'metadata.sqlite'), { readonly: true });
    assert.equal(rows.prepare('SELECT COUNT(*) FROM small_blobs').pluck().get(), 4);
    rows.close();
    // Copies stay in the store of their source.
    const smallCopy = await store.copy(written[2]!.locator);
    const largeCopy = await store.copy(written[5]!.locator);
    assert.ok(SqliteBlobStore.owns(smallCopy.locator) && !SqliteBlobStore.owns(largeCopy.locator));
    assert.equal((await listAll(store)).length, 8);
  } finally {
    await store.close();
    await metadata.close();
  }
});

test('TieredBlobStore: a source failing while its first bytes are held, or after, leaves nothing behind', async () => {
  const dir = await tempDir();
  const { store, metadata } = open(dir, true);
  try {
    for (const failAt of [10, SMALL_MAX - 1, SMALL_MAX + 100, 5 * SMALL_MAX]) {
      const failure = new Error(`source failed at ${failAt}`);
      await assert.rejects(store.write(generate(7, 10 * SMALL_MAX, failAt, failure)), (e) => e === failure);
    }
    assert.deepEqual(await listAll(store), []);
    assert.equal(await store.cleanTemporary(), 0);
  } finally {
    await store.close();
    await metadata.close();
  }
});

test('SqliteBlobStore: a full database is BlobStoreFullError and stores nothing; foreign locators are never found', async () => {
  const dir = await tempDir();
  const { store, metadata } = open(dir, false);
  try {
    // A row that fills most of a page, so another one needs a page the database may not grow by.
    const kept = await store.write(generate(1, 3000));
    const pages = metadata.database.pragma('page_count', { simple: true }) as number;
    metadata.database.pragma(`max_page_count = ${pages}`);
    await assert.rejects(store.write(generate(2, 64 * 1024)), BlobStoreFullError);
    await assert.rejects(store.copy(kept.locator), BlobStoreFullError);
    await assert.rejects(store.writeBuffer!(pattern(3, 0, 64 * 1024)), BlobStoreFullError);
    assert.deepEqual(await listAll(store), [kept.locator], 'nothing half-stored');
    metadata.database.pragma('max_page_count = 1073741823');
    assert.deepEqual(await collect(await store.read(kept.locator)), pattern(1, 0, 3000));
    for (const bad of ['db/../x', 'db/' + 'A'.repeat(32), 'ab/c0/' + '0'.repeat(32), kept.locator + ' ']) {
      await assert.rejects(store.read(bad), BlobNotFoundError, bad);
    }
  } finally {
    await store.close();
    await metadata.close();
  }
});
