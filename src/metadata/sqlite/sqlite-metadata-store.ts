/**
 * MetadataStore on one SQLite file (better-sqlite3). WAL journal with group commit: SQLite
 * commits without syncing (synchronous=NORMAL), and concurrent writes then share one fdatasync of
 * the WAL (sqlite-writer.ts; on a writer thread of its own when opened with `writerThread`, as
 * the server does). A resolved write is on disk and survives power loss, and a crash at any
 * moment (SIGKILL) leaves the last committed state. Reads run on this connection, on the caller's
 * thread. Object keys are stored as BLOBs of their UTF-8 bytes, so ordering is UTF-8 byte order
 * (S3's listing order) and prefix scans use the primary key. Records are JSON documents with a
 * schema version; readers migrate (../migrate.ts).
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import {
  UploadNotFoundError,
  type DeleteBucketResult,
  type ListObjectsQuery,
  type ListUploadsQuery,
  type MetadataStore,
} from '../metadata-store.js';
import { migrateBucket, migrateObject, migratePart, migrateUpload } from '../migrate.js';
import type { BucketRecord, ObjectRecord, PartRecord, UploadRecord } from '../records.js';
import { InThreadWriter, WorkerWriter, type SqliteWriter } from './sqlite-writer.js';
import { configureConnection, keyBytes, type ObjectRow } from './sqlite-writes.js';

/** Schema version of the SQL tables (PRAGMA user_version). */
const SQL_SCHEMA_VERSION = 1;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE buckets (name TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE objects (
      bucket TEXT NOT NULL, key BLOB NOT NULL, mode TEXT NOT NULL, size INTEGER NOT NULL, doc TEXT NOT NULL,
      PRIMARY KEY (bucket, key)) WITHOUT ROWID;
    CREATE TABLE uploads (
      upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);
    CREATE TABLE parts (
      upload_id TEXT NOT NULL REFERENCES uploads (upload_id) ON DELETE CASCADE,
      part_number INTEGER NOT NULL, doc TEXT NOT NULL,
      PRIMARY KEY (upload_id, part_number)) WITHOUT ROWID;
    CREATE TABLE state (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
};

/** Bucket records kept parsed (S3 allows 100 to 1,000 buckets an account); past this, the cache starts over. */
const BUCKET_CACHE_MAX = 10_000;

/** Freezes a parsed JSON document and everything in it (a cached record is shared by every request). */
function deepFrozen<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFrozen(inner);
    Object.freeze(value);
  }
  return value;
}

/** The smallest byte string greater than every string with this prefix; undefined when none. */
export function prefixUpperBound(prefix: Buffer): Buffer | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const bound = Buffer.from(prefix.subarray(0, end));
  bound[end - 1] = bound[end - 1]! + 1;
  return bound;
}

/** The columns and document of an object record, as the writes take them. */
function objectRow(record: ObjectRecord): ObjectRow {
  return { bucket: record.bucket, key: record.key, mode: record.sse.mode, size: record.size, doc: JSON.stringify(record) };
}

function parseObject(doc: string | null): ObjectRecord | undefined {
  return doc === null ? undefined : migrateObject(JSON.parse(doc));
}

export interface SqliteMetadataStoreOptions {
  /**
   * Writes go to a thread with its own connection (WorkerWriter) instead of running on the
   * caller's event loop. Needs a file, not ':memory:'.
   */
  writerThread?: boolean;
  /** With `writerThread`: told when the thread ends unasked (WorkerWriterOptions.onThreadExit). */
  onWriterThreadExit?: (e: Error) => void;
}

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<SqliteMetadataStore['prepare']>;
  /** Every write after opening goes through it (sqlite-writer.ts). */
  readonly writer: SqliteWriter;
  /**
   * Bucket records by name, parsed once (every request reads its bucket's record, ~3 % of a 4 KiB
   * request's CPU when parsed each time). This server is the only writer of the buckets table
   * (`obscura user` only lists it), and every change here drops the entry. Records are frozen:
   * callers change a bucket by passing a new record to updateBucket.
   */
  private readonly buckets = new Map<string, Readonly<BucketRecord>>();

  constructor(path: string, options: SqliteMetadataStoreOptions = {}) {
    const inMemory = path === ':memory:';
    if (inMemory && options.writerThread) throw new Error('a writer thread needs a database file');
    if (!inMemory) {
      // Create the file owner-only before SQLite opens it.
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    this.db = new Database(path);
    configureConnection(this.db);
    this.migrate();
    this.stmt = this.prepare();
    this.writer = options.writerThread
      ? new WorkerWriter(path, options.onWriterThreadExit ? { onThreadExit: options.onWriterThreadExit } : {})
      : new InThreadWriter(this.db, inMemory ? undefined : path);
  }

  /** The open database, for reads by a store that keeps its rows in it (SqliteBlobStore); closed by close(). */
  get database(): Database.Database {
    return this.db;
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SQL_SCHEMA_VERSION) throw new Error(`metadata database schema ${current} is newer than this server (${SQL_SCHEMA_VERSION})`);
    for (let v = current + 1; v <= SQL_SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v}`);
      })();
    }
    // Small blobs (SqliteBlobStore); created here, before any writer prepares its statements.
    this.db.exec('CREATE TABLE IF NOT EXISTS small_blobs (id TEXT PRIMARY KEY, data BLOB NOT NULL)');
  }

  private prepare() {
    const db = this.db;
    return {
      getBucket: db.prepare('SELECT doc FROM buckets WHERE name = ?'),
      listBuckets: db.prepare('SELECT doc FROM buckets ORDER BY name'),
      getObject: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key = ?'),
      listFrom: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key > ? ORDER BY key LIMIT ?'),
      listFromBounded: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key > ? AND key < ? ORDER BY key LIMIT ?'),
      listAt: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?'),
      listAtBounded: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?'),
      countObjects: db.prepare('SELECT mode, COUNT(*) AS objects, COALESCE(SUM(size), 0) AS bytes FROM objects WHERE bucket = ? GROUP BY mode ORDER BY mode'),
      getUpload: db.prepare('SELECT doc FROM uploads WHERE upload_id = ?'),
      listUploads: db.prepare(
        'SELECT doc FROM uploads WHERE bucket = ? AND key >= ? AND (? IS NULL OR key < ?) AND (key > ? OR (key = ? AND upload_id > ?)) ORDER BY key, upload_id LIMIT ?',
      ),
      listParts: db.prepare('SELECT doc FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?'),
      objectDocs: db.prepare('SELECT doc FROM objects'),
      partDocs: db.prepare('SELECT doc FROM parts'),
      getState: db.prepare('SELECT value FROM state WHERE name = ?'),
    };
  }

  async createBucket(record: BucketRecord): Promise<'created' | 'exists'> {
    this.buckets.delete(record.name);
    return (await this.writer.run('createBucket', record.name, JSON.stringify(record))) ? 'created' : 'exists';
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const cached = this.buckets.get(name);
    if (cached) return cached;
    const row = this.stmt.getBucket.get(name) as { doc: string } | undefined;
    if (!row) return undefined;
    const record = deepFrozen(migrateBucket(JSON.parse(row.doc)));
    if (this.buckets.size >= BUCKET_CACHE_MAX) this.buckets.clear();
    this.buckets.set(name, record);
    return record;
  }

  async updateBucket(record: BucketRecord): Promise<boolean> {
    this.buckets.delete(record.name);
    try {
      return await this.writer.run('updateBucket', record.name, JSON.stringify(record));
    } finally {
      // A read between the drop and the commit may have cached the old record again.
      this.buckets.delete(record.name);
    }
  }

  async deleteBucket(name: string): Promise<DeleteBucketResult> {
    this.buckets.delete(name);
    try {
      return await this.writer.run('deleteBucket', name);
    } finally {
      this.buckets.delete(name);
    }
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return (this.stmt.listBuckets.all() as { doc: string }[]).map((r) => migrateBucket(JSON.parse(r.doc)));
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const row = this.stmt.getObject.get(bucket, keyBytes(key)) as { doc: string } | undefined;
    return row ? migrateObject(JSON.parse(row.doc)) : undefined;
  }

  async putObject(record: ObjectRecord): Promise<ObjectRecord | undefined> {
    return parseObject(await this.writer.run('putObject', objectRow(record)));
  }

  async updateObject(record: ObjectRecord): Promise<boolean> {
    return this.writer.run('updateObject', objectRow(record), record.versionId);
  }

  async deleteObject(bucket: string, key: string, ifVersionId?: string): Promise<ObjectRecord | undefined> {
    return parseObject(await this.writer.run('deleteObject', bucket, key, ifVersionId ?? null));
  }

  async listObjects(bucket: string, query: ListObjectsQuery): Promise<ObjectRecord[]> {
    const prefix = keyBytes(query.prefix ?? '');
    const upper = prefixUpperBound(prefix);
    const after = query.after !== undefined ? keyBytes(query.after) : undefined;
    let rows: { doc: string }[];
    if (after !== undefined && Buffer.compare(after, prefix) >= 0) {
      rows = (upper ? this.stmt.listFromBounded.all(bucket, after, upper, query.limit) : this.stmt.listFrom.all(bucket, after, query.limit)) as { doc: string }[];
    } else {
      rows = (upper ? this.stmt.listAtBounded.all(bucket, prefix, upper, query.limit) : this.stmt.listAt.all(bucket, prefix, query.limit)) as { doc: string }[];
    }
    return rows.map((r) => migrateObject(JSON.parse(r.doc)));
  }

  async countObjects(bucket: string): Promise<{ mode: string; objects: number; bytes: number }[]> {
    return this.stmt.countObjects.all(bucket) as { mode: string; objects: number; bytes: number }[];
  }

  async createUpload(record: UploadRecord): Promise<void> {
    await this.writer.run('createUpload', record.uploadId, record.bucket, record.key, JSON.stringify(record));
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const row = this.stmt.getUpload.get(uploadId) as { doc: string } | undefined;
    return row ? migrateUpload(JSON.parse(row.doc)) : undefined;
  }

  async listUploads(bucket: string, query: ListUploadsQuery): Promise<UploadRecord[]> {
    const prefix = keyBytes(query.prefix ?? '');
    const upper = prefixUpperBound(prefix) ?? null;
    const marker = query.keyMarker !== undefined ? keyBytes(query.keyMarker) : Buffer.alloc(0);
    // Without an upload-id marker, every upload of the key marker is skipped (S3).
    const uploadIdMarker = query.keyMarker === undefined ? '' : (query.uploadIdMarker ?? '\u{10FFFF}');
    const hasMarker = query.keyMarker !== undefined;
    const rows = this.stmt.listUploads.all(
      bucket,
      prefix,
      upper,
      upper,
      hasMarker ? marker : Buffer.alloc(0),
      hasMarker ? marker : Buffer.from([0xff, 0xff]),
      uploadIdMarker,
      query.limit,
    ) as { doc: string }[];
    return rows.map((r) => migrateUpload(JSON.parse(r.doc)));
  }

  async putPart(record: PartRecord): Promise<PartRecord | undefined> {
    const previous = await this.writer.run('putPart', record.uploadId, record.partNumber, JSON.stringify(record));
    return previous === null ? undefined : migratePart(JSON.parse(previous));
  }

  async listParts(uploadId: string, afterPart: number, limit: number): Promise<PartRecord[]> {
    return (this.stmt.listParts.all(uploadId, afterPart, limit) as { doc: string }[]).map((r) => migratePart(JSON.parse(r.doc)));
  }

  async completeUpload(uploadId: string, object: ObjectRecord): Promise<{ replaced?: ObjectRecord; parts: PartRecord[] }> {
    const done = await this.writer.run('completeUpload', uploadId, objectRow(object));
    const parts = done.parts.map((doc) => migratePart(JSON.parse(doc)));
    return done.replaced === null ? { parts } : { replaced: migrateObject(JSON.parse(done.replaced)), parts };
  }

  async abortUpload(uploadId: string): Promise<PartRecord[]> {
    return (await this.writer.run('abortUpload', uploadId)).map((doc) => migratePart(JSON.parse(doc)));
  }

  async *referencedLocators(): AsyncIterable<string> {
    for (const row of this.stmt.objectDocs.iterate() as Iterable<{ doc: string }>) {
      for (const s of migrateObject(JSON.parse(row.doc)).segments) yield s.locator;
    }
    for (const row of this.stmt.partDocs.iterate() as Iterable<{ doc: string }>) yield migratePart(JSON.parse(row.doc)).segment.locator;
  }

  async getState(name: string): Promise<string | undefined> {
    return (this.stmt.getState.get(name) as { value: string } | undefined)?.value;
  }

  async putState(name: string, value: string, expected?: string | null): Promise<boolean> {
    return this.writer.run('putState', name, value, expected);
  }

  /** PRAGMA integrity_check result ('ok' when healthy). */
  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }
}
