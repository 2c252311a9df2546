/**
 * The PostgreSQL MetadataStore against the MetadataStore conformance suite (a new database per
 * store, on one throwaway cluster for the file), plus what only a shared database has: migrations
 * run once however many nodes start together, two nodes racing on state and on one upload, and
 * an outage that surfaces as MetadataUnavailableError in bounded time and heals without reopening.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { inspect } from 'node:util';
import pg from 'pg';
import { bucketRecord, metadataStoreSuite, objectRecord, partRecord, uploadRecord } from './metadata-store-suite.js';
import { PostgresMetadataStore, type PostgresMetadataStoreOptions } from '../../src/metadata/postgres/postgres-metadata-store.js';
import { MetadataUnavailableError, UploadNotFoundError } from '../../src/metadata/metadata-store.js';
import { BuiltinKms } from '../../src/kms/builtin/builtin-kms.js';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

const SKIP = findPostgresBin() === undefined ? 'PostgreSQL is not installed (no initdb/pg_ctl/postgres on PATH, in /usr/local/bin or /usr/lib/postgresql/*/bin)' : undefined;

/** Short deadlines, so an outage test fails fast instead of hanging. */
const FAST: PostgresMetadataStoreOptions = { connectTimeoutMs: 1_000, statementTimeoutMs: 2_000 };

/** One cluster for the file, started by the first test that needs it. */
let cluster: Promise<TestPostgres> | undefined;
function postgres(): Promise<TestPostgres> {
  cluster ??= startTestPostgres();
  return cluster;
}

/** Each store opened by the tests below, closed at the end even when a test fails. */
const opened: PostgresMetadataStore[] = [];
after(async () => {
  await Promise.all(opened.map((s) => s.close()));
  if (cluster) await (await cluster).stop();
});

async function open(url: string, options: PostgresMetadataStoreOptions = {}): Promise<PostgresMetadataStore> {
  const store = await PostgresMetadataStore.open(url, options);
  opened.push(store);
  return store;
}

/** What a database says about its own tables and migrations. */
async function inspectSchema(url: string): Promise<{ migrations: number[]; columns: string[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const migrations = (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    const columns = (
      await client.query<{ c: string }>(
        "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || COALESCE(collation_name, '') AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
      )
    ).rows.map((r) => r.c);
    return { migrations, columns };
  } finally {
    await client.end();
  }
}

/** Within `ms`, `promise` rejects with MetadataUnavailableError that nowhere mentions `password`. */
async function rejectsUnavailable(promise: Promise<unknown>, password: string, ms: number, what: string): Promise<void> {
  const started = Date.now();
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MetadataUnavailableError, `${what}: expected MetadataUnavailableError, got ${inspect(e)}`);
    assert.ok(!inspect(e, { depth: 10, showHidden: true }).includes(password), `${what}: the password appears in the error`);
    return true;
  });
  assert.ok(Date.now() - started < ms, `${what}: took ${Date.now() - started} ms`);
}

if (SKIP) {
  test('PostgresMetadataStore: conformance and PostgreSQL-specific tests', { skip: SKIP }, () => undefined);
} else {
  metadataStoreSuite('PostgresMetadataStore', async () => {
    const url = await (await postgres()).createDatabase();
    let current = await PostgresMetadataStore.open(url);
    return {
      store: current,
      reopen: async () => {
        await current.close();
        current = await PostgresMetadataStore.open(url);
        return current;
      },
      cleanup: () => current.close(),
    };
  });

  test('PostgresMetadataStore: migration runs once whether nodes start together or one after another', async () => {
    const url = await (await postgres()).createDatabase();
    const together = await Promise.all(Array.from({ length: 4 }, () => open(url)));
    const first = await inspectSchema(url);
    assert.deepEqual(first.migrations, [1]);
    assert.ok(first.columns.includes('objects.key bytea '), 'object keys are bytes');
    await together[0]!.createBucket(bucketRecord('b'));
    assert.deepEqual(await together[3]!.getBucket('b'), bucketRecord('b'), 'every node sees the same tables');
    for (const s of together) await s.close();

    for (let round = 0; round < 2; round++) {
      const again = await open(url);
      assert.deepEqual(await again.getBucket('b'), bucketRecord('b'));
      await again.close();
      assert.deepEqual(await inspectSchema(url), first, `reopen ${round + 1} changes nothing`);
    }
  });

  test('PostgresMetadataStore: a database from a newer server is refused, not migrated down', async () => {
    const url = await (await postgres()).createDatabase();
    await (await open(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('INSERT INTO schema_migrations (version) VALUES (2)');
    await client.end();
    await assert.rejects(PostgresMetadataStore.open(url), /newer than this server/);
    assert.deepEqual((await inspectSchema(url)).migrations, [1, 2]);
  });

  test('PostgresMetadataStore: two nodes racing compare-and-set on one state value: exactly one wins each round, and no increment is lost', async () => {
    const url = await (await postgres()).createDatabase();
    const [a, b] = [await open(url), await open(url)];
    assert.equal(await a.putState('s', 'v0', null), true);
    assert.equal(await b.putState('s', 'x', null), false, 'put-if-absent sees the other node');
    for (let round = 0; round < 20; round++) {
      const expected = `v${round}`;
      const results = await Promise.all([a.putState('s', `a${round}`, expected), b.putState('s', `b${round}`, expected)]);
      assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results.join(', ')}`);
      const winner = results[0] ? `a${round}` : `b${round}`;
      assert.equal(await b.getState('s'), winner);
      assert.equal(await a.putState('s', `v${round + 1}`, winner), true);
    }

    assert.equal(await a.putState('counter', '0', null), true);
    const worker = async (store: PostgresMetadataStore): Promise<void> => {
      for (let done = 0; done < 10; ) {
        const current = (await store.getState('counter'))!;
        if (await store.putState('counter', String(Number(current) + 1), current)) done++;
      }
    };
    await Promise.all([a, b, a, b].map(worker));
    assert.equal(await a.getState('counter'), '40');
  });

  test('PostgresMetadataStore: the built-in KMS on two nodes loses no key or rotation (keystore compare-and-set)', async () => {
    const url = await (await postgres()).createDatabase();
    const root = randomBytes(32);
    const [a, b] = await Promise.all([open(url), open(url)]);
    const [kmsA, kmsB] = await Promise.all([BuiltinKms.open(a, root, { region: 'r', refreshMs: 0 }), BuiltinKms.open(b, root, { region: 'r', refreshMs: 0 })]);
    assert.equal(kmsA.accountId, kmsB.accountId, 'one keystore, created once');
    const keys = await Promise.all([kmsA, kmsB, kmsA, kmsB, kmsA, kmsB].map((k) => k.createKey()));
    await Promise.all(keys.map((k, i) => (i % 2 === 0 ? kmsB : kmsA).rotateKeyOnDemand(k.keyId)));
    for (const kms of [kmsA, kmsB]) {
      const listed = await kms.listKeys();
      assert.deepEqual(new Set(listed.map((k) => k.keyId)), new Set(keys.map((k) => k.keyId)));
      for (const k of keys) assert.equal((await kms.describeKey(k.keyId)).currentVersion, 2, k.keyId);
    }
  });

  test('PostgresMetadataStore: two nodes completing one upload at once: exactly one wins, the other gets UploadNotFoundError', async () => {
    const url = await (await postgres()).createDatabase();
    const [a, b] = [await open(url), await open(url)];
    await a.createBucket(bucketRecord('b'));
    for (let round = 0; round < 10; round++) {
      const key = `race-${round % 3}`;
      const upload = uploadRecord('b', key);
      await a.createUpload(upload);
      const parts = [1, 2, 3].map((n) => partRecord(upload.uploadId, n));
      await Promise.all(parts.map((p, i) => (i % 2 ? a : b).putPart(p)));
      const objects = [a, b].map(() => objectRecord('b', key, { versionId: upload.versionId, segments: parts.map((p) => p.segment) }));
      const previous = await a.getObject('b', key);
      const settled = await Promise.allSettled([a.completeUpload(upload.uploadId, objects[0]!), b.completeUpload(upload.uploadId, objects[1]!)]);
      const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ i, value: s.value }] : []));
      const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      assert.equal(won.length, 1, `round ${round}`);
      assert.ok(lost[0] instanceof UploadNotFoundError && lost[0].uploadId === upload.uploadId, inspect(lost[0]));
      assert.deepEqual(won[0]!.value.parts, parts);
      assert.deepEqual(won[0]!.value.replaced, previous);
      assert.deepEqual(await b.getObject('b', key), objects[won[0]!.i]);
      assert.equal(await b.getUpload(upload.uploadId), undefined);
      await assert.rejects(b.putPart(partRecord(upload.uploadId, 4)), UploadNotFoundError);
    }
  });

  test('PostgresMetadataStore: a bucket delete racing writes into the bucket from another node either refuses or leaves the bucket gone', async () => {
    const url = await (await postgres()).createDatabase();
    const [a, b] = [await open(url), await open(url)];
    for (let round = 0; round < 10; round++) {
      const name = `b${round}`;
      await a.createBucket(bucketRecord(name));
      const [deleted] = await Promise.all([b.deleteBucket(name), a.putObject(objectRecord(name, 'k')), a.createUpload(uploadRecord(name, 'u'))]);
      const bucketGone = (await a.getBucket(name)) === undefined;
      assert.equal(bucketGone, deleted === 'deleted', `round ${round}: ${deleted}`);
      // Refused: it saw a write. Deleted: it ran before both, which then landed in no bucket, as one after the other (the store never checks the bucket).
      if (deleted === 'not-empty') assert.notEqual((await a.getObject(name, 'k')) ?? (await a.listUploads(name, { limit: 1 }))[0], undefined);
      assert.equal(await b.deleteBucket(name), bucketGone ? 'missing' : 'not-empty');
    }
  });

  test('PostgresMetadataStore: referencedLocators reads tables larger than one page, across buckets and uploads', async () => {
    const store = await open(await (await postgres()).createDatabase());
    const objects = Array.from({ length: 1_050 }, (_, i) => objectRecord(`b${i % 3}`, `k/${i}`));
    const uploads = [uploadRecord('b0', 'm'), uploadRecord('b1', 'm')];
    for (const u of uploads) await store.createUpload(u);
    const parts = Array.from({ length: 1_020 }, (_, i) => partRecord(uploads[i % 2]!.uploadId, 1 + Math.floor(i / 2)));
    const queue = [...objects.map((o) => () => store.putObject(o)), ...parts.map((p) => () => store.putPart(p))];
    await Promise.all(Array.from({ length: 10 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await next();
    }));
    const seen: string[] = [];
    for await (const locator of store.referencedLocators()) seen.push(locator);
    const expected = [...objects.flatMap((o) => o.segments.map((s) => s.locator)), ...parts.map((p) => p.segment.locator)];
    assert.equal(seen.length, expected.length, 'each locator once');
    assert.deepEqual(seen.sort(), expected.sort());
  });

  test('PostgresMetadataStore: with PostgreSQL stopped every call fails fast with MetadataUnavailableError, and the same store works once it is back', async () => {
    const server = await postgres();
    const url = await server.createDatabase();
    const store = await open(url, FAST);
    await store.createBucket(bucketRecord('b'));
    const upload = uploadRecord('b', 'm');
    await store.createUpload(upload);
    await store.putState('s', 'v1', null);

    await server.pause();
    try {
      await rejectsUnavailable(store.getBucket('b'), server.password, 3_000, 'getBucket');
      await rejectsUnavailable(store.putObject(objectRecord('b', 'k')), server.password, 3_000, 'putObject');
      await rejectsUnavailable(store.completeUpload(upload.uploadId, objectRecord('b', 'm')), server.password, 3_000, 'completeUpload');
      await rejectsUnavailable(store.putState('s', 'v2', 'v1'), server.password, 3_000, 'putState');
      await rejectsUnavailable((async () => {
        for await (const _ of store.referencedLocators()) void _;
      })(), server.password, 3_000, 'referencedLocators');
      await rejectsUnavailable(PostgresMetadataStore.open(url, FAST), server.password, 3_000, 'open');
    } finally {
      await server.resume();
    }

    assert.deepEqual(await store.getBucket('b'), bucketRecord('b'));
    const object = objectRecord('b', 'k');
    assert.equal(await store.putObject(object), undefined, 'the failed put changed nothing');
    assert.deepEqual(await store.getObject('b', 'k'), object);
    assert.deepEqual(await store.getUpload(upload.uploadId), upload, 'the failed complete changed nothing');
    assert.equal(await store.putState('s', 'v2', 'v1'), true);
  });

  test('PostgresMetadataStore: a server that accepts connections but never answers gives MetadataUnavailableError within the connect timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const password = `pw-${randomBytes(12).toString('hex')}`;
    try {
      await rejectsUnavailable(PostgresMetadataStore.open(`postgres://obscura:${password}@127.0.0.1:${port}/db`, { connectTimeoutMs: 500 }), password, 3_000, 'open');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('PostgresMetadataStore: a statement stuck behind another session\'s lock ends at the statement timeout with MetadataUnavailableError', async () => {
    const server = await postgres();
    const url = await server.createDatabase();
    const store = await open(url, { statementTimeoutMs: 300 });
    await store.putState('s', 'v1', null);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM state WHERE name = 's' FOR UPDATE");
      await rejectsUnavailable(store.putState('s', 'v2', 'v1'), server.password, 2_000, 'putState behind a lock');
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    assert.equal(await store.putState('s', 'v2', 'v1'), true, 'the store is fine once the lock is gone');
  });
}
