/**
 * The SQLite MetadataStore (a real file in a temp dir) against the MetadataStore conformance
 * suite, writing on the caller's thread and on a writer thread, plus what only this backend has:
 * the file persists across reopen, stays consistent (PRAGMA integrity_check), is owner-only, and
 * its SQL migrations are idempotent on reopen.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bucketRecord, metadataStoreSuite, objectRecord, partRecord, uploadRecord } from './metadata-store-suite.js';
import { SqliteMetadataStore } from '../../src/metadata/sqlite/sqlite-metadata-store.js';

const parent = mkdtemp(join(tmpdir(), 'obscura-sqlite-meta-'));
after(async () => rm(await parent, { recursive: true, force: true }));

let files = 0;
async function newPath(): Promise<string> {
  return join(await parent, `metadata-${++files}.sqlite`);
}

for (const writerThread of [false, true]) {
  metadataStoreSuite(writerThread ? 'SqliteMetadataStore, writes on a writer thread' : 'SqliteMetadataStore', async () => {
    const path = await newPath();
    let current = new SqliteMetadataStore(path, { writerThread });
    return {
      store: current,
      reopen: async () => {
        await current.close();
        current = new SqliteMetadataStore(path, { writerThread });
        return current;
      },
      cleanup: async () => {
        await current.close();
        for (const suffix of ['', '-wal', '-shm']) await rm(path + suffix, { force: true });
      },
    };
  });
}

/** Reads what the file says about itself, with the store closed. */
function inspect(path: string): { userVersion: number; schema: string[] } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      userVersion: db.pragma('user_version', { simple: true }) as number,
      schema: (db.prepare("SELECT type || ' ' || name || ': ' || sql AS entry FROM sqlite_master ORDER BY name").all() as { entry: string }[]).map((r) => r.entry),
    };
  } finally {
    db.close();
  }
}

test('SqliteMetadataStore: the file persists across reopen, passes integrity_check, is owner-only, and reopening migrates nothing twice', async () => {
  const path = await newPath();
  const first = new SqliteMetadataStore(path);
  await first.createBucket(bucketRecord('b'));
  const objects = Array.from({ length: 50 }, (_, i) => objectRecord('b', `k/${String(i).padStart(3, '0')}`));
  await Promise.all(objects.map((o) => first.putObject(o)));
  const upload = uploadRecord('b', 'm');
  await first.createUpload(upload);
  const part = partRecord(upload.uploadId, 1);
  await first.putPart(part);
  await first.deleteObject('b', 'k/007');
  await first.putState('keystore', 'sealed', null);
  assert.equal(first.integrityCheck(), 'ok');
  await first.close();

  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const before = inspect(path);
  assert.equal(before.userVersion, 1);

  for (let round = 0; round < 2; round++) {
    const again = new SqliteMetadataStore(path);
    try {
      assert.equal(again.integrityCheck(), 'ok');
      assert.deepEqual(await again.getBucket('b'), bucketRecord('b'));
      const listed = await again.listObjects('b', { limit: 1000 });
      assert.deepEqual(listed, objects.filter((o) => o.key !== 'k/007'));
      assert.deepEqual(await again.getUpload(upload.uploadId), upload);
      assert.deepEqual(await again.listParts(upload.uploadId, 0, 10), [part]);
      assert.equal(await again.getState('keystore'), 'sealed');
    } finally {
      await again.close();
    }
    assert.deepEqual(inspect(path), before, `reopen ${round + 1} leaves the schema and its version unchanged`);
  }
  assert.equal((await stat(path)).mode & 0o777, 0o600);
});

test('SqliteMetadataStore: a file from a newer server is refused, not migrated down', async () => {
  const path = await newPath();
  await new SqliteMetadataStore(path).close();
  const db = new Database(path);
  db.pragma('user_version = 2');
  db.close();
  assert.throws(() => new SqliteMetadataStore(path), /newer than this server/);
  assert.equal(inspect(path).userVersion, 2);
});

test('SqliteMetadataStore: a bucket record is parsed once, shared frozen, and every change is seen at once', async () => {
  const path = await newPath();
  const store = new SqliteMetadataStore(path);
  try {
    await store.createBucket(bucketRecord('cached', { encryption: { algorithm: 'kms', kmsKeyId: 'k-1', blockedEncryptionTypes: ['SSE-C'] } }));
    const first = await store.getBucket('cached');
    assert.ok(first);
    assert.equal(await store.getBucket('cached'), first, 'the second read is the same parsed record');
    assert.throws(() => {
      (first as { owner: string }).owner = 'SOMEONEELSE';
    }, TypeError);
    assert.throws(() => first.encryption!.blockedEncryptionTypes!.push('SSE-KMS'), TypeError);
    assert.throws(() => {
      (first.encryption as { kmsKeyId?: string }).kmsKeyId = 'k-2';
    }, TypeError);
    assert.deepEqual(await store.getBucket('cached'), bucketRecord('cached', { encryption: { algorithm: 'kms', kmsKeyId: 'k-1', blockedEncryptionTypes: ['SSE-C'] } }));

    const updated = bucketRecord('cached', { owner: 'NEWOWNER' });
    assert.equal(await store.updateBucket(updated), true);
    assert.deepEqual(await store.getBucket('cached'), updated);
    assert.equal(await store.deleteBucket('cached'), 'deleted');
    assert.equal(await store.getBucket('cached'), undefined);
    assert.equal(await store.createBucket(bucketRecord('cached')), 'created');
    assert.deepEqual(await store.getBucket('cached'), bucketRecord('cached'));
  } finally {
    await store.close();
  }
});
