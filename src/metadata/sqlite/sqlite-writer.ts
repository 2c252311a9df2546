/**
 * Who writes the SQLite database, and when a write counts as durable. Two writers run the same
 * operations (sqlite-writes.ts):
 *
 * - `InThreadWriter` runs each operation on the caller's connection in its own transaction, then
 *   waits for an fdatasync of the WAL shared with every write that committed meanwhile (WalSync,
 *   on libuv's pool). For tools and tests, and the only choice for an in-memory database.
 * - `WorkerWriter` hands operations to a thread with its own connection (sqlite-writer-thread.ts),
 *   which runs all that are waiting in one transaction (a savepoint each, so one failing leaves
 *   the others), commits, fdatasyncs the WAL once, and answers them together. The server uses
 *   it: a 4 KiB PUT's two writes (its blob row and its record) cost the event loop about half of
 *   its CPU when run there (BENCHMARKS.md), and the thread runs them on the other core.
 *
 * Either way a write resolves only once the WAL holding it is on disk, and reads stay on the
 * caller's connection: SQLite's WAL lets them run beside the writer, and a read made after a
 * write resolved sees it (the commit came first). Only the writer writes once it runs, so the
 * event loop never waits for SQLite's write lock.
 */
import type Database from 'better-sqlite3';
import { open, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { UploadNotFoundError } from '../metadata-store.js';
import { prepareWriteStatements, runWrite, type WriteArgs, type WriteName, type WriteResult, type WriteStatements } from './sqlite-writes.js';

export interface SqliteWriter {
  /** Runs a write; resolves once it is committed and the WAL holding it is synced. */
  run<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResult<K>>;
  close(): Promise<void>;
}

/** A write as it crosses to the writer thread. */
export interface WriteRequest {
  id: number;
  name: WriteName;
  args: unknown[];
}

/** An error as it crosses back: what callers look at (name, message, SQLite's or the system's code). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  uploadId?: string;
}

export type WriteReply = { id: number; value: unknown } | { id: number; error: WireError };

export function toWireError(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(err instanceof UploadNotFoundError ? { uploadId: err.uploadId } : {}),
  };
}

export function fromWireError(wire: WireError): Error {
  if (wire.name === 'UploadNotFoundError' && wire.uploadId !== undefined) return new UploadNotFoundError(wire.uploadId);
  const err = new Error(wire.message);
  err.name = wire.name;
  if (wire.code !== undefined) (err as NodeJS.ErrnoException).code = wire.code;
  return err;
}

/**
 * Runs a batch of writes in one transaction, each in a savepoint of its own, then commits and
 * calls `sync`. Replies in the batch's order. A write that fails is answered with its error and
 * undone alone, unless SQLite rolled the whole transaction back (a full disk, an I/O error): then
 * every write of that transaction so far fails with it, and the rest of the batch starts a new
 * one. A failed commit or sync fails every write it carried.
 */
export function runBatch(db: Database.Database, s: WriteStatements, batch: WriteRequest[], sync: () => void): WriteReply[] {
  const replies: WriteReply[] = [];
  let carried: number[] = [];
  const failCarried = (e: unknown): void => {
    const error = toWireError(e);
    for (const i of carried) replies[i] = { id: replies[i]!.id, error };
    carried = [];
  };
  db.exec('BEGIN IMMEDIATE');
  for (const request of batch) {
    try {
      const value = db.transaction(() => runWrite(s, request.name, request.args as WriteArgs<typeof request.name>))();
      carried.push(replies.length);
      replies.push({ id: request.id, value });
    } catch (e) {
      replies.push({ id: request.id, error: toWireError(e) });
      if (!db.inTransaction) {
        failCarried(e);
        db.exec('BEGIN IMMEDIATE');
      }
    }
  }
  try {
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    failCarried(e);
  }
  if (carried.length) {
    try {
      sync();
    } catch (e) {
      failCarried(e);
    }
  }
  return replies;
}

/**
 * Group commit on the event loop. A writer calls afterCommit() once its transaction has
 * committed; it resolves after an fdatasync of the WAL that began after that commit. Writers
 * arriving while a sync runs share the next one, so N concurrent writes cost about two syncs.
 */
class WalSync {
  private handle: FileHandle | undefined;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly walPath: string) {}

  afterCommit(): Promise<void> {
    if (!this.running) return this.start();
    const after = (): Promise<void> => {
      this.next = undefined;
      return this.start();
    };
    this.next ??= this.running.then(after, after);
    return this.next;
  }

  async close(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.handle?.close();
    this.handle = undefined;
  }

  private start(): Promise<void> {
    const sync = (async () => {
      this.handle ??= await open(this.walPath, 'r');
      await this.handle.datasync();
    })();
    const running: Promise<void> = sync.finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }
}

export class InThreadWriter implements SqliteWriter {
  private readonly statements: WriteStatements;
  private readonly walSync: WalSync | undefined;

  /** `path` undefined: an in-memory database, nothing to sync. */
  constructor(
    private readonly db: Database.Database,
    path: string | undefined,
  ) {
    this.statements = prepareWriteStatements(db);
    this.walSync = path === undefined ? undefined : new WalSync(`${path}-wal`);
  }

  async run<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    const value = this.db.transaction(() => runWrite(this.statements, name, args)).immediate();
    await this.walSync?.afterCommit();
    return value;
  }

  async close(): Promise<void> {
    await this.walSync?.close();
  }
}

/**
 * Bytes cross as a copy of just their own bytes whose memory is then handed over (transferred):
 * one copy, here. Cloning would copy a view's whole underlying buffer (a socket's read chunk,
 * Buffer's 8 KiB pool) into the message and again on the writer thread; transferring the
 * caller's own buffer would take it from under the caller.
 */
function handOver(arg: unknown, transfer: ArrayBuffer[]): unknown {
  if (!ArrayBuffer.isView(arg)) return arg;
  const copy = new Uint8Array(arg.byteLength);
  copy.set(new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength));
  transfer.push(copy.buffer);
  return copy;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

export class WorkerWriter implements SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private outbox: WriteRequest[] = [];
  private transfer: ArrayBuffer[] = [];
  /** Set by close(): the thread keeps the process alive until it has exited. */
  private closing = false;
  /** Set once the thread is gone: every later write fails with it. */
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  /** Starts the writer thread on the database file at `path` (its tables must exist). */
  constructor(path: string) {
    this.worker = new Worker(new URL('./sqlite-writer-thread.js', import.meta.url), { workerData: { path }, resourceLimits: { maxYoungGenerationSizeMb: 2 } });
    // The thread keeps the process alive only while a write waits for it.
    this.worker.unref();
    this.worker.on('message', (replies: WriteReply[]) => {
      for (const reply of replies) {
        const waiting = this.pending.get(reply.id);
        if (!waiting) continue;
        this.pending.delete(reply.id);
        if ('error' in reply) waiting.reject(fromWireError(reply.error));
        else waiting.resolve(reply.value);
      }
      if (this.pending.size === 0 && !this.closing) this.worker.unref();
    });
    this.worker.on('error', (e) => this.fail(e));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new Error(`the SQLite writer thread exited (${code})`));
        resolve();
      });
    });
  }

  run<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.nextId;
    return new Promise<WriteResult<K>>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.outbox.length === 0) setImmediate(this.send);
      this.outbox.push({ id, name, args: args.map((arg) => handOver(arg, this.transfer)) });
    });
  }

  /**
   * The writes of one turn of the event loop go in one message: a postMessage costs ~10 µs of
   * this thread (and a wake-up of the other), more than the write it carries.
   */
  private readonly send = (): void => {
    const batch = this.outbox;
    const transfer = this.transfer;
    this.outbox = [];
    this.transfer = [];
    if (batch.length === 0 || this.failure) return;
    this.worker.postMessage(batch, transfer);
  };

  /** Lets the thread answer what it was given, then ends it. */
  async close(): Promise<void> {
    if (!this.failure && !this.closing) {
      this.closing = true;
      this.worker.ref();
      this.send();
      this.worker.postMessage('close');
    }
    await this.exited;
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}
