/**
 * The SQLite writer thread (WorkerWriter in sqlite-writer.ts): its own connection to the database
 * file, which it alone writes. Writes that arrive while it is busy go together in the next batch:
 * one transaction, one commit. It answers a write once an fdatasync of the WAL begun after its
 * commit is done (SyncedAnswers: one sync at a time, on libuv's pool, shared by every batch
 * committed meanwhile), or at once for the writes a later write makes durable. Sees no keys, logs
 * nothing.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { runBatch, SyncedAnswers, syncedReplies, walSyncer, type WriteReply, type WriteRequest } from './sqlite-writer.js';
import { configureConnection, prepareWriteStatements } from './sqlite-writes.js';

const { path } = workerData as { path: string };
const db = new Database(path);
// Another process (`obscura user`) may hold the write lock for a moment; waiting blocks only this thread.
configureConnection(db);
// better-sqlite3 builds SQLite with a 16 MB page cache (SQLITE_DEFAULT_CACHE_SIZE=-16000). A
// writer reads little, and its cache filled this thread's malloc arena to ~19 MB of RSS
// (4 KiB PUTs, /proc/<pid>/smaps); 1 MiB measured as fast and kept it at ~3 MB.
db.pragma('cache_size = -1024');
const statements = prepareWriteStatements(db);
const answer = (replies: WriteReply[]): void => parentPort!.postMessage(replies);
const wal = walSyncer(path);
// fdatasync on libuv's pool: the next batches commit while it runs.
const synced = new SyncedAnswers<WriteReply>(wal.sync, (replies, err) => answer(syncedReplies(replies, err)));

let queue: WriteRequest[] = [];
let scheduled = false;
/** Set by the 'close' message, the last one WorkerWriter sends. */
let closing = false;

async function close(): Promise<void> {
  await synced.idle();
  wal.close();
  db.close();
  parentPort!.close();
}

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length) {
    const { now, afterSync } = runBatch(db, statements, batch);
    if (now.length) answer(now);
    synced.add(afterSync);
  }
  if (closing) void close();
}

parentPort!.on('message', (message: WriteRequest[] | 'close') => {
  if (message === 'close') closing = true;
  else queue.push(...message);
  // Messages already waiting are delivered before setImmediate runs, so they join this batch.
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
