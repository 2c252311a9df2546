/**
 * Who writes the SQLite database, and when a write counts as durable. Two writers run the same
 * operations (sqlite-writes.ts):
 *
 * - `InThreadWriter` runs each operation on the caller's connection in its own transaction, then
 *   waits for an fdatasync of the WAL begun after its commit, shared with every write that
 *   committed meanwhile (SyncedAnswers, the sync on libuv's pool). For tools and tests, and the
 *   only choice for an in-memory database.
 * - `WorkerWriter` hands operations to a thread with its own connection (sqlite-writer-thread.ts),
 *   which runs all that are waiting in one transaction (a savepoint each, so one failing leaves
 *   the others), commits, and answers them once an fdatasync of the WAL begun after the commit is
 *   done, one sync shared by every batch committed meanwhile (SyncedAnswers). The server uses
 *   it: a 4 KiB PUT's two writes (its blob row and its record) cost the event loop about half of
 *   its CPU when run there (BENCHMARKS.md), and the thread runs them on the other core.
 *
 * Either way a write resolves only once the WAL holding it is on disk (except the few whose
 * durability a later write brings: SYNCED_LATER in sqlite-writes.ts), and reads stay on the
 * caller's connection: SQLite's WAL lets them run beside the writer, and a read made after a
 * write resolved sees it (the commit came first). Only the writer writes once it runs, so the
 * event loop never waits for SQLite's write lock.
 */
import type Database from 'better-sqlite3';
import { closeSync, fdatasync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { UploadNotFoundError } from '../metadata-store.js';
import { prepareWriteStatements, runWrite, SYNCED_LATER, type WriteArgs, type WriteName, type WriteResult, type WriteStatements } from './sqlite-writes.js';

export interface SqliteWriter {
  /**
   * Runs a write; resolves once it is committed and the WAL holding it is synced, or only
   * committed for the writes in SYNCED_LATER.
   */
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
 * Runs a batch of writes in one transaction, each in a savepoint of its own, and commits. A write
 * that fails is answered with its error and undone alone, unless SQLite rolled the whole
 * transaction back (a full disk, an I/O error): then every write of that transaction so far fails
 * with it, and the rest of the batch starts a new one. A failed commit fails every write it
 * carried. Returns the answers to give now (failures, and the writes a later write makes
 * durable: SYNCED_LATER) and those to give once a sync of the WAL begun after this commit is done.
 */
export function runBatch(db: Database.Database, s: WriteStatements, batch: WriteRequest[]): { now: WriteReply[]; afterSync: WriteReply[] } {
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
  const needSync = new Set(carried.filter((i) => !SYNCED_LATER.has(batch[i]!.name)));
  return { now: replies.filter((_, i) => !needSync.has(i)), afterSync: replies.filter((_, i) => needSync.has(i)) };
}

/**
 * Group commit: what waits for the WAL to be on disk (the writer thread's answers, the in-thread
 * writer's callers). One sync runs at a time, off the loop (`sync` calls back), so writes keep
 * committing meanwhile; what is added during a sync waits for the next one, which begins once it
 * ends and carries all of it. `release` gets each item once, with the sync's error if it failed.
 */
export class SyncedAnswers<T> {
  private waiting: T[] = [];
  private running = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly sync: (done: (err: Error | null) => void) => void,
    private readonly release: (items: T[], err: Error | null) => void,
  ) {}

  add(items: T[]): void {
    if (items.length === 0) return;
    for (const item of items) this.waiting.push(item);
    this.next();
  }

  /** Resolves once everything added so far has been released. */
  idle(): Promise<void> {
    if (!this.running && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    if (this.running) return;
    if (this.waiting.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    const items = this.waiting;
    this.waiting = [];
    this.running = true;
    this.sync((err) => {
      this.running = false;
      this.release(items, err);
      this.next();
    });
  }
}

/** The writer thread's answers, once their sync is done: as they are, or all failed with its error. */
export function syncedReplies(replies: WriteReply[], err: Error | null): WriteReply[] {
  if (!err) return replies;
  const error = toWireError(err);
  return replies.map((r) => ({ id: r.id, error }));
}

/** fdatasync of a database's WAL file, opened at the first sync (it exists once a write committed). */
export function walSyncer(databasePath: string): { sync: (done: (err: Error | null) => void) => void; close: () => void } {
  let fd: number | undefined;
  return {
    sync(done) {
      try {
        fd ??= openSync(`${databasePath}-wal`, 'r');
      } catch (e) {
        return done(e as Error);
      }
      fdatasync(fd, done);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

export class InThreadWriter implements SqliteWriter {
  private readonly statements: WriteStatements;
  private readonly wal: ReturnType<typeof walSyncer> | undefined;
  /** Callers waiting for the sync after their commit. */
  private readonly synced: SyncedAnswers<(err: Error | null) => void> | undefined;

  /** `path` undefined: an in-memory database, nothing to sync. */
  constructor(
    private readonly db: Database.Database,
    path: string | undefined,
  ) {
    this.statements = prepareWriteStatements(db);
    this.wal = path === undefined ? undefined : walSyncer(path);
    this.synced = this.wal && new SyncedAnswers(this.wal.sync, (callers, err) => {
      for (const caller of callers) caller(err);
    });
  }

  async run<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    const value = this.db.transaction(() => runWrite(this.statements, name, args)).immediate();
    const synced = this.synced;
    if (!synced || SYNCED_LATER.has(name)) return value;
    await new Promise<void>((resolve, reject) => synced.add([(err) => (err ? reject(err) : resolve())]));
    return value;
  }

  async close(): Promise<void> {
    await this.synced?.idle();
    this.wal?.close();
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

/** One writer thread and what it was given. */
interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Writes of this turn of the event loop, not yet posted, and the memory they hand over. */
  outbox: WriteRequest[];
  transfer: ArrayBuffer[];
  closing: boolean;
  /** The error the thread threw, if it threw one before it exited. */
  error?: Error;
  exited: Promise<void>;
}

export interface WorkerWriterOptions {
  /** Told when the thread ends without being closed (its writes fail; the next thread starts later). */
  onThreadExit?: (e: Error) => void;
  /** After a thread ended, writes fail at once for this long before a new thread is started. */
  restartAfterMs?: number;
}

export class WorkerWriter implements SqliteWriter {
  private thread: Thread | undefined;
  private nextId = 0;
  private closed = false;
  private lastExit: { error: Error; at: number } | undefined;

  /** Starts the writer thread on the database file at `path` (its tables must exist). */
  constructor(
    private readonly path: string,
    private readonly options: WorkerWriterOptions = {},
  ) {
    this.thread = this.start();
  }

  run<K extends WriteName>(name: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    const thread = this.current();
    if (thread instanceof Error) return Promise.reject(thread);
    const id = ++this.nextId;
    return new Promise<WriteResult<K>>((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (thread.outbox.length === 0) setImmediate(() => this.send(thread));
      thread.outbox.push({ id, name, args: args.map((arg) => handOver(arg, thread.transfer)) });
    });
  }

  /** Lets the thread answer what it was given, then ends it. Later writes fail. */
  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    if (!thread) return;
    if (!thread.closing) {
      thread.closing = true;
      thread.worker.ref();
      this.send(thread);
      thread.worker.postMessage('close');
    }
    await thread.exited;
  }

  /** The running thread; a new one once `restartAfterMs` has passed since the last ended; else why not. */
  private current(): Thread | Error {
    if (this.closed) return new Error('the SQLite writer is closed');
    if (this.thread) return this.thread;
    const restartAfterMs = this.options.restartAfterMs ?? 1000;
    if (this.lastExit && Date.now() - this.lastExit.at < restartAfterMs) return this.lastExit.error;
    this.thread = this.start();
    return this.thread;
  }

  private start(): Thread {
    // A small young generation: the thread's garbage (messages, statements' results) is
    // short-lived, and its heap stays ~10 MB beside the event loop's.
    const worker = new Worker(new URL('./sqlite-writer-thread.js', import.meta.url), { workerData: { path: this.path }, resourceLimits: { maxYoungGenerationSizeMb: 2 } });
    let exited!: () => void;
    const thread: Thread = { worker, pending: new Map(), outbox: [], transfer: [], closing: false, exited: new Promise((resolve) => (exited = resolve)) };
    // The thread keeps the process alive only while a write waits for it, or while it closes.
    worker.unref();
    worker.on('message', (replies: WriteReply[]) => {
      for (const reply of replies) {
        const waiting = thread.pending.get(reply.id);
        if (!waiting) continue;
        thread.pending.delete(reply.id);
        if ('error' in reply) waiting.reject(fromWireError(reply.error));
        else waiting.resolve(reply.value);
      }
      if (thread.pending.size === 0 && !thread.closing) worker.unref();
    });
    worker.on('error', (e) => (thread.error ??= e));
    worker.once('exit', (code) => {
      const error = thread.error ?? new Error(`the SQLite writer thread exited (${code})`);
      for (const waiting of thread.pending.values()) waiting.reject(error);
      thread.pending.clear();
      if (this.thread === thread) this.thread = undefined;
      if (!thread.closing) {
        this.lastExit = { error, at: Date.now() };
        this.options.onThreadExit?.(error);
      }
      exited();
    });
    return thread;
  }

  /**
   * The writes of one turn of the event loop go in one message: a postMessage costs ~10 µs of
   * this thread (and a wake-up of the other), more than the write it carries.
   */
  private send(thread: Thread): void {
    const { outbox, transfer } = thread;
    thread.outbox = [];
    thread.transfer = [];
    if (outbox.length === 0 || this.thread !== thread) return;
    thread.worker.postMessage(outbox, transfer);
  }
}
