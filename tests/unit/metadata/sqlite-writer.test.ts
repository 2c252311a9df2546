/**
 * The SQLite writers (src/metadata/sqlite/sqlite-writer.ts): a batch of writes in one transaction
 * answers each write with its own outcome and says "done" only of what the commit and the sync
 * carried; the writer thread does that on its own connection, and what crosses back (results,
 * errors with their codes, bytes) is what the caller's thread would have got.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadNotFoundError } from '../../../src/metadata/metadata-store.js';
import { SqliteMetadataStore } from '../../../src/metadata/sqlite/sqlite-metadata-store.js';
import { runBatch, SyncedAnswers, syncedReplies, WorkerWriter, type WriteReply, type WriteRequest } from '../../../src/metadata/sqlite/sqlite-writer.js';
import { prepareWriteStatements, type WriteName } from '../../../src/metadata/sqlite/sqlite-writes.js';

const parent = mkdtemp(join(tmpdir(), 'obscura-sqlite-writer-'));
after(async () => rm(await parent, { recursive: true, force: true }));

let files = 0;
async function newPath(): Promise<string> {
  return join(await parent, `metadata-${++files}.sqlite`);
}

/** An in-memory database with the server's tables, and its write statements. */
function memory() {
  const store = new SqliteMetadataStore(':memory:');
  return { store, db: store.database, statements: prepareWriteStatements(store.database) };
}

function request(id: number, name: WriteName, ...args: unknown[]): WriteRequest {
  return { id, name, args };
}

/**
 * Runs a batch as the writer thread does (its answers now, the rest through SyncedAnswers, here
 * with a sync that finishes at once); the answers in the order given, each with the number of
 * syncs done before it.
 */
function batchAnswers(db: ReturnType<typeof memory>['db'], statements: ReturnType<typeof memory>['statements'], batch: WriteRequest[], sync: () => void = () => undefined): { replies: WriteReply[]; answers: { ids: number[]; syncsBefore: number }[]; syncs: number } {
  let syncs = 0;
  const answers: { ids: number[]; syncsBefore: number }[] = [];
  const replies: WriteReply[] = [];
  const give = (answered: WriteReply[]): void => {
    answers.push({ ids: answered.map((r) => r.id), syncsBefore: syncs });
    replies.push(...answered);
  };
  const { now, afterSync } = runBatch(db, statements, batch);
  if (now.length) give(now);
  new SyncedAnswers<WriteReply>((done) => {
    try {
      sync();
    } catch (e) {
      return done(e as Error);
    }
    syncs++;
    done(null);
  }, (released, err) => give(syncedReplies(released, err))).add(afterSync);
  replies.sort((a, b) => a.id - b.id);
  return { replies, answers, syncs };
}

const blobIds = (db: ReturnType<typeof memory>['db']): string[] => db.prepare('SELECT id FROM small_blobs ORDER BY id').pluck().all() as string[];

test('runBatch: every write answered once; one that fails is undone alone, the rest commit with one sync', () => {
  const { store, db, statements } = memory();
  try {
    const { replies, answers, syncs } = batchAnswers(db, statements, [
      request(1, 'insertBlob', 'a', Buffer.from('first')),
      request(2, 'insertBlob', 'a', Buffer.from('same id again')),
      request(3, 'putPart', 'no-such-upload', 1, '{}'),
      request(4, 'insertBlob', 'b', new Uint8Array([1, 2, 3])),
      request(5, 'copyBlob', 'c', 'a'),
      request(6, 'copyBlob', 'd', 'missing'),
      request(7, 'putState', 'n', 'v', undefined),
    ]);
    // Blob rows and failures are answered at the commit; the state, a record, after the sync.
    assert.deepEqual(answers, [{ ids: [1, 2, 3, 4, 5, 6], syncsBefore: 0 }, { ids: [7], syncsBefore: 1 }]);
    assert.deepEqual(replies.map((r) => r.id), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(replies[0], { id: 1, value: undefined });
    assert.ok('error' in replies[1]! && replies[1].error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY', JSON.stringify(replies[1]));
    assert.deepEqual((replies[2] as Extract<WriteReply, { error: unknown }>).error, { name: 'UploadNotFoundError', message: 'upload not found: no-such-upload', uploadId: 'no-such-upload' });
    assert.deepEqual(replies.slice(3).map((r) => ('value' in r ? r.value : 'error')), [undefined, true, false, true]);
    assert.equal(syncs, 1);
    assert.equal(db.inTransaction, false);
    assert.deepEqual(blobIds(db), ['a', 'b', 'c']);
    assert.deepEqual(db.prepare("SELECT data FROM small_blobs WHERE id = 'a'").pluck().get(), Buffer.from('first'));
  } finally {
    void store.close();
  }
});

test('runBatch: a full database answers the writes it stopped with its error, and no write said done is missing', () => {
  const { store, db, statements } = memory();
  try {
    batchAnswers(db, statements, [request(1, 'insertBlob', 'seed', randomBytes(3000))]);
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const batch = Array.from({ length: 8 }, (_, i) => request(i + 1, 'insertBlob', `row-${i}`, randomBytes(i % 2 ? 100 : 3000)));
    const { replies } = batchAnswers(db, statements, batch);
    assert.equal(replies.length, batch.length);
    const full = replies.filter((r) => 'error' in r && r.error.code === 'SQLITE_FULL');
    assert.ok(full.length > 0, 'the database ran out of pages');
    const done = replies.filter((r) => 'value' in r).map((r) => `row-${r.id - 1}`);
    assert.deepEqual(blobIds(db), ['seed', ...done].sort());
    assert.equal(db.inTransaction, false);
  } finally {
    void store.close();
  }
});

test('runBatch: a failed sync fails every write that waited for it', () => {
  const { store, db, statements } = memory();
  try {
    const { replies } = batchAnswers(db, statements, [request(1, 'insertBlob', 'a', Buffer.from('x')), request(2, 'putState', 'n', 'v', undefined), request(3, 'createBucket', 'b', '{}')], () => {
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    });
    const error = { name: 'Error', message: 'EIO: i/o error, fdatasync', code: 'EIO' };
    assert.deepEqual(replies, [{ id: 1, value: undefined }, { id: 2, error }, { id: 3, error }]);
  } finally {
    void store.close();
  }
});

test('SyncedAnswers: one sync at a time; answers added during it wait for the next, which carries them all; a failed sync fails them', async () => {
  const running: Array<(err: Error | null) => void> = [];
  const given: WriteReply[][] = [];
  // As the writer thread releases its answers.
  const synced = new SyncedAnswers<WriteReply>((done) => running.push(done), (replies, err) => given.push(syncedReplies(replies, err)));
  const reply = (id: number): WriteReply => ({ id, value: true });
  synced.add([reply(1)]);
  synced.add([reply(2), reply(3)]);
  synced.add([]);
  synced.add([reply(4)]);
  assert.equal(running.length, 1, 'the second sync waits for the first');
  let idle = false;
  void synced.idle().then(() => (idle = true));
  running[0]!(null);
  assert.deepEqual(given, [[reply(1)]]);
  assert.equal(running.length, 2, 'the next sync starts as the first ends, for everything added meanwhile');
  running[1]!(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  const error = { name: 'Error', message: 'EIO: i/o error, fdatasync', code: 'EIO' };
  assert.deepEqual(given[1], [2, 3, 4].map((id) => ({ id, error })));
  await Promise.resolve();
  assert.equal(idle, true);
  assert.equal(running.length, 2, 'nothing left to sync');
});

test('WorkerWriter: concurrent writes resolve once committed, are read at once on the caller\'s connection, and errors keep their kind and code', async () => {
  const path = await newPath();
  const store = new SqliteMetadataStore(path, { writerThread: true });
  try {
    const writer = store.writer;
    assert.ok(writer instanceof WorkerWriter);
    // A view into a larger buffer: only the view's bytes are stored.
    const backing = randomBytes(8192);
    const view = backing.subarray(100, 4196);
    const ids = Array.from({ length: 40 }, (_, i) => `blob-${String(i).padStart(2, '0')}`);
    await Promise.all(ids.map((id) => writer.run('insertBlob', id, view)));
    assert.deepEqual(blobIds(store.database), ids);
    assert.deepEqual(store.database.prepare('SELECT data FROM small_blobs WHERE id = ?').pluck().get('blob-07'), view);
    await assert.rejects(writer.run('insertBlob', 'blob-00', view), (e: NodeJS.ErrnoException) => e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
    await assert.rejects(writer.run('abortUpload', 'gone'), (e) => e instanceof UploadNotFoundError && e.uploadId === 'gone');
    assert.equal(await writer.run('putState', 'name', 'one', null), true);
    assert.equal(await store.getState('name'), 'one');
    assert.equal(await writer.run('putState', 'name', 'two', 'not-one'), false);
  } finally {
    await store.close();
  }
});

test('WorkerWriter: close answers the writes already given, then every later write fails', async () => {
  const path = await newPath();
  const store = new SqliteMetadataStore(path, { writerThread: true });
  const writes = Array.from({ length: 20 }, (_, i) => store.writer.run('putState', `k${i}`, String(i), undefined));
  await store.writer.close();
  assert.deepEqual(await Promise.all(writes), Array(20).fill(true));
  await assert.rejects(store.writer.run('putState', 'late', 'x', undefined), /writer is closed/);
  await store.close();
  const reopened = new SqliteMetadataStore(path);
  try {
    assert.equal(await reopened.getState('k19'), '19');
  } finally {
    await reopened.close();
  }
});

test('WorkerWriter: a thread that ends unasked fails its writes and is reported; after the pause a new thread takes writes', async () => {
  const path = await newPath();
  const exits: Error[] = [];
  const store = new SqliteMetadataStore(path);
  const writer = new WorkerWriter(path, { onThreadExit: (e) => exits.push(e), restartAfterMs: 200 });
  try {
    assert.equal(await writer.run('putState', 'before', '1', undefined), true);
    const inFlight = writer.run('putState', 'during', '2', undefined);
    // What a crash of the thread looks like from here (an out-of-memory end, a native fault).
    await (writer as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread.worker.terminate();
    await assert.rejects(inFlight, /writer thread exited/);
    assert.equal(exits.length, 1);
    await assert.rejects(writer.run('putState', 'too-soon', '3', undefined), /writer thread exited/);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(await writer.run('putState', 'after', '4', undefined), true);
    assert.equal(await store.getState('before'), '1');
    assert.equal(await store.getState('after'), '4');
    assert.equal(await store.getState('too-soon'), undefined);
    assert.equal(store.integrityCheck(), 'ok');
  } finally {
    await writer.close();
    await store.close();
  }
});

test('SqliteMetadataStore: a writer thread needs a file', () => {
  assert.throws(() => new SqliteMetadataStore(':memory:', { writerThread: true }), /needs a database file/);
});
