/**
 * The SQLite writer thread (WorkerWriter in sqlite-writer.ts): its own connection to the database
 * file, which it alone writes. Writes that arrive while it is busy (committing, or in the WAL's
 * fdatasync) wait in its queue and go together in the next batch: one transaction, one commit,
 * one sync. It answers a write once that sync is done (or, for the writes a later write makes
 * durable, once committed). Sees no keys, logs nothing.
 */
import Database from 'better-sqlite3';
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { runBatch, type WriteRequest } from './sqlite-writer.js';
import { prepareWriteStatements } from './sqlite-writes.js';

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
// Another process (`obscura user`) may hold the write lock for a moment; waiting blocks only this thread.
db.pragma('busy_timeout = 5000');
// better-sqlite3 builds SQLite with a 16 MB page cache (SQLITE_DEFAULT_CACHE_SIZE=-16000). A
// writer reads little, and its cache filled this thread's malloc arena to ~19 MB of RSS
// (4 KiB PUTs, /proc/<pid>/smaps); 1 MiB measured as fast and kept it at ~3 MB.
db.pragma('cache_size = -1024');
const statements = prepareWriteStatements(db);
let wal: number | undefined;
const sync = (): void => {
  wal ??= openSync(`${path}-wal`, 'r');
  fdatasyncSync(wal);
};

let queue: WriteRequest[] = [];
let scheduled = false;
let closing = false;

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length) runBatch(db, statements, batch, sync, (replies) => parentPort!.postMessage(replies));
  if (closing) {
    if (wal !== undefined) closeSync(wal);
    db.close();
    parentPort!.close();
  }
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
