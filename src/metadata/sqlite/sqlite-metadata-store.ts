/**
 * MetadataStore on one SQLite file (better-sqlite3). WAL journal with group commit: SQLite
 * commits without syncing (synchronous=NORMAL, so no fsync blocks the event loop), and concurrent
 * writes then share one fdatasync of the WAL on the thread pool (WalSync). A resolved write is on
 * disk and survives power loss, and a crash at any moment (SIGKILL) leaves the last committed state. Object keys are stored as BLOBs of their UTF-8 bytes, so ordering is
 * UTF-8 byte order (S3's listing order) and prefix scans use the primary key. Records are JSON
 * documents with a schema version; readers migrate (../migrate.ts).
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import {
  UploadNotFoundError,
  type DeleteBucketResult,
  type ListObjectsQuery,
  type ListUploadsQuery,
  type MetadataStore,
} from '../metadata-store.js';
import { migrateBucket, migrateObject, migratePart, migrateUpload } from '../migrate.js';
import type { BucketRecord, ObjectRecord, PartRecord, UploadRecord } from '../records.js';

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

function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
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

/**
 * Group commit. A writer calls afterCommit() once its transaction has committed; it resolves after
 * an fdatasync of the WAL that began after that commit. Writers arriving while a sync runs share
 * the next one, so N concurrent writes cost about two syncs, not N.
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

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<SqliteMetadataStore['prepare']>;
  private readonly walSync: WalSync | undefined;
  /**
   * Bucket records by name, parsed once (every request reads its bucket's record, ~3 % of a 4 KiB
   * request's CPU when parsed each time). This server is the only writer of the buckets table
   * (`obscura user` only lists it), and every change here drops the entry. Records are frozen:
   * callers change a bucket by passing a new record to updateBucket.
   */
  private readonly buckets = new Map<string, Readonly<BucketRecord>>();

  constructor(path: string) {
    if (path !== ':memory:') {
      // Create the file owner-only before SQLite opens it.
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.stmt = this.prepare();
    this.walSync = path === ':memory:' ? undefined : new WalSync(`${path}-wal`);
  }

  /** The open database, for a store that keeps its rows in the same WAL (SqliteBlobStore); closed by close(). */
  get database(): Database.Database {
    return this.db;
  }

  /** Runs a write, then waits until the WAL holding it is on disk. */
  private async durably<T>(write: () => T): Promise<T> {
    const result = write();
    await this.walSync?.afterCommit();
    return result;
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
  }

  private prepare() {
    const db = this.db;
    return {
      insertBucket: db.prepare('INSERT OR IGNORE INTO buckets (name, doc) VALUES (?, ?)'),
      getBucket: db.prepare('SELECT doc FROM buckets WHERE name = ?'),
      updateBucket: db.prepare('UPDATE buckets SET doc = ? WHERE name = ?'),
      deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
      listBuckets: db.prepare('SELECT doc FROM buckets ORDER BY name'),
      anyObject: db.prepare('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1'),
      anyUpload: db.prepare('SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1'),
      getObject: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key = ?'),
      putObject: db.prepare('INSERT INTO objects (bucket, key, mode, size, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (bucket, key) DO UPDATE SET mode = excluded.mode, size = excluded.size, doc = excluded.doc'),
      deleteObject: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?'),
      updateObject: db.prepare("UPDATE objects SET doc = ? WHERE bucket = ? AND key = ? AND json_extract(doc, '$.versionId') = ?"),
      listFrom: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key > ? ORDER BY key LIMIT ?'),
      listFromBounded: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key > ? AND key < ? ORDER BY key LIMIT ?'),
      listAt: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?'),
      listAtBounded: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?'),
      countObjects: db.prepare('SELECT mode, COUNT(*) AS objects, COALESCE(SUM(size), 0) AS bytes FROM objects WHERE bucket = ? GROUP BY mode ORDER BY mode'),
      insertUpload: db.prepare('INSERT INTO uploads (upload_id, bucket, key, doc) VALUES (?, ?, ?, ?)'),
      getUpload: db.prepare('SELECT doc FROM uploads WHERE upload_id = ?'),
      deleteUpload: db.prepare('DELETE FROM uploads WHERE upload_id = ?'),
      listUploads: db.prepare(
        'SELECT doc FROM uploads WHERE bucket = ? AND key >= ? AND (? IS NULL OR key < ?) AND (key > ? OR (key = ? AND upload_id > ?)) ORDER BY key, upload_id LIMIT ?',
      ),
      getPart: db.prepare('SELECT doc FROM parts WHERE upload_id = ? AND part_number = ?'),
      putPart: db.prepare('INSERT INTO parts (upload_id, part_number, doc) VALUES (?, ?, ?) ON CONFLICT (upload_id, part_number) DO UPDATE SET doc = excluded.doc'),
      listParts: db.prepare('SELECT doc FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?'),
      allParts: db.prepare('SELECT doc FROM parts WHERE upload_id = ? ORDER BY part_number'),
      objectDocs: db.prepare('SELECT doc FROM objects'),
      partDocs: db.prepare('SELECT doc FROM parts'),
      getState: db.prepare('SELECT value FROM state WHERE name = ?'),
      upsertState: db.prepare('INSERT INTO state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      insertState: db.prepare('INSERT OR IGNORE INTO state (name, value) VALUES (?, ?)'),
      casState: db.prepare('UPDATE state SET value = ? WHERE name = ? AND value = ?'),
    };
  }

  async createBucket(record: BucketRecord): Promise<'created' | 'exists'> {
    this.buckets.delete(record.name);
    return this.durably(() => (this.stmt.insertBucket.run(record.name, JSON.stringify(record)).changes === 1 ? 'created' : 'exists'));
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
    return this.durably(() => this.stmt.updateBucket.run(JSON.stringify(record), record.name).changes === 1);
  }

  async deleteBucket(name: string): Promise<DeleteBucketResult> {
    this.buckets.delete(name);
    return this.durably(() => this.db.transaction((): DeleteBucketResult => {
      if (!this.stmt.getBucket.get(name)) return 'missing';
      if (this.stmt.anyObject.get(name) || this.stmt.anyUpload.get(name)) return 'not-empty';
      this.stmt.deleteBucket.run(name);
      return 'deleted';
    }).immediate());
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return (this.stmt.listBuckets.all() as { doc: string }[]).map((r) => migrateBucket(JSON.parse(r.doc)));
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const row = this.stmt.getObject.get(bucket, keyBytes(key)) as { doc: string } | undefined;
    return row ? migrateObject(JSON.parse(row.doc)) : undefined;
  }

  private putObjectSync(record: ObjectRecord): ObjectRecord | undefined {
    const key = keyBytes(record.key);
    const previous = this.stmt.getObject.get(record.bucket, key) as { doc: string } | undefined;
    this.stmt.putObject.run(record.bucket, key, record.sse.mode, record.size, JSON.stringify(record));
    return previous ? migrateObject(JSON.parse(previous.doc)) : undefined;
  }

  async putObject(record: ObjectRecord): Promise<ObjectRecord | undefined> {
    return this.durably(() => this.db.transaction(() => this.putObjectSync(record)).immediate());
  }

  async updateObject(record: ObjectRecord): Promise<boolean> {
    return this.durably(() => this.stmt.updateObject.run(JSON.stringify(record), record.bucket, keyBytes(record.key), record.versionId).changes === 1);
  }

  async deleteObject(bucket: string, key: string, ifVersionId?: string): Promise<ObjectRecord | undefined> {
    return this.durably(() => this.db.transaction(() => {
      const kb = keyBytes(key);
      const row = this.stmt.getObject.get(bucket, kb) as { doc: string } | undefined;
      if (!row) return undefined;
      const record = migrateObject(JSON.parse(row.doc));
      if (ifVersionId !== undefined && record.versionId !== ifVersionId) return undefined;
      this.stmt.deleteObject.run(bucket, kb);
      return record;
    }).immediate());
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
    await this.durably(() => this.stmt.insertUpload.run(record.uploadId, record.bucket, keyBytes(record.key), JSON.stringify(record)));
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
    return this.durably(() => this.db.transaction(() => {
      if (!this.stmt.getUpload.get(record.uploadId)) throw new UploadNotFoundError(record.uploadId);
      const previous = this.stmt.getPart.get(record.uploadId, record.partNumber) as { doc: string } | undefined;
      this.stmt.putPart.run(record.uploadId, record.partNumber, JSON.stringify(record));
      return previous ? migratePart(JSON.parse(previous.doc)) : undefined;
    }).immediate());
  }

  async listParts(uploadId: string, afterPart: number, limit: number): Promise<PartRecord[]> {
    return (this.stmt.listParts.all(uploadId, afterPart, limit) as { doc: string }[]).map((r) => migratePart(JSON.parse(r.doc)));
  }

  async completeUpload(uploadId: string, object: ObjectRecord): Promise<{ replaced?: ObjectRecord; parts: PartRecord[] }> {
    return this.durably(() => this.db.transaction(() => {
      if (!this.stmt.getUpload.get(uploadId)) throw new UploadNotFoundError(uploadId);
      const parts = (this.stmt.allParts.all(uploadId) as { doc: string }[]).map((r) => migratePart(JSON.parse(r.doc)));
      this.stmt.deleteUpload.run(uploadId);
      const replaced = this.putObjectSync(object);
      return { ...(replaced ? { replaced } : {}), parts };
    }).immediate());
  }

  async abortUpload(uploadId: string): Promise<PartRecord[]> {
    return this.durably(() => this.db.transaction(() => {
      if (!this.stmt.getUpload.get(uploadId)) throw new UploadNotFoundError(uploadId);
      const parts = (this.stmt.allParts.all(uploadId) as { doc: string }[]).map((r) => migratePart(JSON.parse(r.doc)));
      this.stmt.deleteUpload.run(uploadId);
      return parts;
    }).immediate());
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
    return this.durably(() => {
      if (expected === undefined) return this.stmt.upsertState.run(name, value).changes === 1;
      if (expected === null) return this.stmt.insertState.run(name, value).changes === 1;
      return this.stmt.casState.run(value, name, expected).changes === 1;
    });
  }

  /** PRAGMA integrity_check result ('ok' when healthy). */
  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  async close(): Promise<void> {
    await this.walSync?.close();
    if (this.db.open) this.db.close();
  }
}
