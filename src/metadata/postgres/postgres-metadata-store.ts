/**
 * MetadataStore on PostgreSQL (`pg`), for several nodes sharing one metadata database. Same
 * semantics as the SQLite store: object keys are `bytea` of their UTF-8 bytes, so ordering and
 * prefix scans are UTF-8 byte order; every other ordered or compared text column is COLLATE "C"
 * (byte order); records are JSON documents with a schema version that readers migrate
 * (../migrate.ts). Every operation spanning records is one READ COMMITTED transaction whose row
 * locks serialize it against the others (see `transaction` and the lock order below). A commit
 * that resolved is durable as far as the server's `synchronous_commit` makes it.
 *
 * It must not: keep per-connection state that a pool or a pooler would break (no named prepared
 * statements, no session settings beyond the startup parameters), wait without a deadline, or put
 * the connection password in an error it throws or passes on.
 */
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import {
  MetadataUnavailableError,
  UploadNotFoundError,
  type DeleteBucketResult,
  type ListObjectsQuery,
  type ListUploadsQuery,
  type MetadataStore,
} from '../metadata-store.js';
import { migrateBucket, migrateObject, migratePart, migrateUpload } from '../migrate.js';
import type { BucketRecord, ObjectRecord, PartRecord, UploadRecord } from '../records.js';
import { prefixUpperBound } from '../sqlite/sqlite-metadata-store.js';

/** Schema version of the SQL tables (rows of schema_migrations). */
const SQL_SCHEMA_VERSION = 1;

/**
 * Key of the transaction-scoped advisory lock that serializes migrations of one database when
 * several nodes start at once. Fixed: changing it would let old and new servers migrate together.
 */
const MIGRATION_LOCK = 0x6f6273637572_61n; // 'obscura' in hex digits, as a bigint

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE buckets (name text COLLATE "C" PRIMARY KEY, doc text NOT NULL);
    CREATE TABLE objects (
      bucket text COLLATE "C" NOT NULL, key bytea NOT NULL, version_id text COLLATE "C" NOT NULL,
      mode text COLLATE "C" NOT NULL, size bigint NOT NULL, doc text NOT NULL,
      PRIMARY KEY (bucket, key));
    CREATE TABLE uploads (
      upload_id text COLLATE "C" PRIMARY KEY, bucket text COLLATE "C" NOT NULL, key bytea NOT NULL, doc text NOT NULL);
    CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);
    CREATE TABLE parts (
      upload_id text COLLATE "C" NOT NULL REFERENCES uploads (upload_id) ON DELETE CASCADE,
      part_number integer NOT NULL, doc text NOT NULL,
      PRIMARY KEY (upload_id, part_number));
    CREATE TABLE state (name text COLLATE "C" PRIMARY KEY, value text NOT NULL);
  `,
};

/** Rows per round trip when walking whole tables (referencedLocators). */
const PAGE_ROWS = 1000;
/** Attempts for a transaction that failed on a deadlock or serialization conflict. */
const MAX_ATTEMPTS = 5;

export interface PostgresMetadataStoreOptions {
  /** Connections this node keeps at most. Default 10. */
  maxConnections?: number;
  /** Deadline for opening a connection (TCP, TLS, authentication), ms. Default 5,000. */
  connectTimeoutMs?: number;
  /** Server-side deadline for one statement, lock waits included, ms. Default 30,000. */
  statementTimeoutMs?: number;
  /** The server ends a session idle inside a transaction this long (a stalled node's locks), ms. Default 60,000. */
  idleInTransactionTimeoutMs?: number;
  /** Told about connection errors nobody was waiting on (an idle pooled connection dropped); the password is already redacted. */
  onBackgroundError?: (error: Error) => void;
}

/** Network errors meaning the server cannot be reached now. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ECONNABORTED']);
/** Messages `pg` and `pg-pool` use for a lost or never-established connection (they carry no code). */
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|connection timeout/i;

/**
 * Whether an error means "the database is unavailable now; retry later" (503) rather than a
 * fault in the request or the store: unreachable, shutting down or starting, out of connections
 * or resources, or past the statement deadline.
 */
export function isUnavailableError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // SQLSTATE classes 08 (connection exception) and 53 (insufficient resources); admin/crash
    // shutdown and "starting up" (57P01-57P03); statement timeout (57014); lock timeout (55P03).
    if (/^(08|53)/.test(code) || ['57P01', '57P02', '57P03', '57014', '55P03'].includes(code)) return true;
  }
  if (e instanceof AggregateError && e.errors.some(isUnavailableError)) return true;
  return code === undefined && CONNECTION_MESSAGES.test(e.message);
}

/** Statement or lock timeout: the server answered, the connection is still good. */
function isServerTimeout(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === '57014' || code === '55P03';
}

function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === '40001' || code === '40P01';
}

/** Every spelling of the connection password (URL user info or `?password=`, raw and decoded; PGPASSWORD), for redaction. */
function secretsOf(url: string): string[] {
  const inUserInfo = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*?:([^@/?#]*)@/i.exec(url)?.[1] ?? '';
  const inQuery = /[?&]password=([^&#]*)/i.exec(url)?.[1] ?? '';
  const secrets = new Set<string>();
  for (const s of [inUserInfo, safeDecode(inUserInfo), inQuery, safeDecode(inQuery), process.env['PGPASSWORD'] ?? '']) if (s !== '') secrets.add(s);
  return [...secrets].sort((a, b) => b.length - a.length);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

/**
 * PostgreSQL text cannot hold U+0000, and no id or name this store keeps contains it, so a lookup
 * by such a string (client input, e.g. an uploadId query parameter) finds nothing.
 */
function hasNul(s: string): boolean {
  return s.includes('\u0000');
}

type Queryable = Pick<PoolClient, 'query'>;

async function rows<R extends QueryResultRow>(db: Queryable, sql: string, values: unknown[] = []): Promise<R[]> {
  return (await db.query<R>(sql, values)).rows;
}

async function changed(db: Queryable, sql: string, values: unknown[]): Promise<number> {
  return (await db.query(sql, values)).rowCount ?? 0;
}

/**
 * Transactions lock rows in one order, upload row before object or part row, so none waits on
 * another in a cycle. Object writes do not lock or read the bucket row (a missing bucket is not an
 * error here, as in the SQLite store), so deleteBucket's emptiness check sees every write that
 * committed before it, and a write committing after it is as if it ran after the delete.
 */
/**
 * A pooled connection checked out for several statements. A checked-out connection has no pool
 * listener, so an error between statements marks it broken instead of crashing the process; a
 * broken connection is discarded on release, a healthy one goes back to the pool.
 */
class Lease {
  broken: Error | undefined;
  private readonly onError = (e: Error): void => void (this.broken ??= e);

  constructor(readonly client: PoolClient) {
    client.on('error', this.onError);
  }

  release(): void {
    this.client.off('error', this.onError);
    this.client.release(this.broken ?? false);
  }
}

export class PostgresMetadataStore implements MetadataStore {
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly secrets: string[],
  ) {}

  /**
   * Connects and brings the tables to this server's schema version (idempotent; several nodes may
   * start at once). Throws MetadataUnavailableError when the server cannot be reached in time.
   * `url`: `postgres://user[:password]@host[:port]/database[?…]`; the password may instead come
   * from PGPASSWORD. The database should be Obscura's own (unprefixed table names).
   */
  static async open(url: string, options: PostgresMetadataStoreOptions = {}): Promise<PostgresMetadataStore> {
    const secrets = secretsOf(url);
    const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
    let pool: pg.Pool;
    try {
      pool = new pg.Pool({
        connectionString: url,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
        statement_timeout: statementTimeoutMs,
        // Client-side backstop for a server that stopped answering without closing the connection.
        query_timeout: statementTimeoutMs + 5_000,
        idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
        keepAlive: true,
        application_name: 'obscura',
      });
    } catch (e) {
      throw redacted(e, secrets);
    }
    const store = new PostgresMetadataStore(pool, secrets);
    // Without a listener, an idle connection dropped by the server would crash the process.
    pool.on('error', (e) => options.onBackgroundError?.(store.translate(e)));
    try {
      await store.migrate();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw store.translate(e);
    }
    return store;
  }

  /** The error to throw for `e`: typed unavailability, or `e` itself, never with the password in it. */
  private translate(e: unknown): Error {
    if (e instanceof UploadNotFoundError || e instanceof MetadataUnavailableError) return e;
    if (isUnavailableError(e)) return new MetadataUnavailableError(redacted(e, this.secrets));
    return e instanceof Error ? scrub(e, this.secrets) : new Error(String(e));
  }

  private async query<R extends QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    try {
      return await rows<R>(this.pool, sql, values);
    } catch (e) {
      throw this.translate(e);
    }
  }

  private async execute(sql: string, values: unknown[]): Promise<number> {
    try {
      return await changed(this.pool, sql, values);
    } catch (e) {
      throw this.translate(e);
    }
  }

  /**
   * Runs `work` in one READ COMMITTED transaction on one connection; row locks (FOR UPDATE /
   * FOR KEY SHARE) give the isolation each operation needs. Retried on deadlock or serialization
   * failure; an error thrown by `work` rolls back. A connection that failed is discarded.
   */
  private async transaction<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const lease = await this.lease();
      try {
        await lease.client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const result = await work(lease.client);
        await lease.client.query('COMMIT');
        return result;
      } catch (e) {
        // A lost connection is dropped, not rolled back: the server rolls back when it goes.
        if (!lease.broken && isUnavailableError(e) && !isServerTimeout(e)) lease.broken = e as Error;
        if (!lease.broken) await lease.client.query('ROLLBACK').catch((rollbackError: Error) => void (lease.broken = rollbackError));
        if (attempt < MAX_ATTEMPTS && isRetryable(e)) continue;
        throw this.translate(e);
      } finally {
        lease.release();
      }
    }
  }

  /** Checks a connection out of the pool for several statements. */
  private async lease(): Promise<Lease> {
    try {
      return new Lease(await this.pool.connect());
    } catch (e) {
      throw this.translate(e);
    }
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
      await db.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const [row] = await rows<{ version: number | null }>(db, 'SELECT max(version) AS version FROM schema_migrations');
      const current = row?.version ?? 0;
      if (current > SQL_SCHEMA_VERSION) throw new Error(`metadata database schema ${current} is newer than this server (${SQL_SCHEMA_VERSION})`);
      for (let v = current + 1; v <= SQL_SCHEMA_VERSION; v++) {
        await db.query(MIGRATIONS[v]!);
        await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v]);
      }
    });
  }

  async createBucket(record: BucketRecord): Promise<'created' | 'exists'> {
    const n = await this.execute('INSERT INTO buckets (name, doc) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [record.name, JSON.stringify(record)]);
    return n === 1 ? 'created' : 'exists';
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    if (hasNul(name)) return undefined;
    const [row] = await this.query<{ doc: string }>('SELECT doc FROM buckets WHERE name = $1', [name]);
    return row ? migrateBucket(JSON.parse(row.doc)) : undefined;
  }

  async updateBucket(record: BucketRecord): Promise<boolean> {
    return (await this.execute('UPDATE buckets SET doc = $2 WHERE name = $1', [record.name, JSON.stringify(record)])) === 1;
  }

  async deleteBucket(name: string): Promise<DeleteBucketResult> {
    if (hasNul(name)) return 'missing';
    return this.transaction(async (db): Promise<DeleteBucketResult> => {
      if ((await rows(db, 'SELECT 1 FROM buckets WHERE name = $1 FOR UPDATE', [name])).length === 0) return 'missing';
      // One statement, reading every write committed before it.
      const [row] = await rows<{ busy: boolean }>(
        db,
        'SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = $1) OR EXISTS (SELECT 1 FROM uploads WHERE bucket = $1) AS busy',
        [name],
      );
      if (row?.busy) return 'not-empty';
      await db.query('DELETE FROM buckets WHERE name = $1', [name]);
      return 'deleted';
    });
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return (await this.query<{ doc: string }>('SELECT doc FROM buckets ORDER BY name')).map((r) => migrateBucket(JSON.parse(r.doc)));
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const [row] = await this.query<{ doc: string }>('SELECT doc FROM objects WHERE bucket = $1 AND key = $2', [bucket, keyBytes(key)]);
    return row ? migrateObject(JSON.parse(row.doc)) : undefined;
  }

  /**
   * Makes `record` current inside a transaction and returns the version it replaced. The row is
   * locked before it is read, so of concurrent puts each sees the one committed just before it;
   * when there is no row, the insert that loses a race finds the winner's row on the next turn.
   */
  private async replaceObject(db: Queryable, record: ObjectRecord): Promise<ObjectRecord | undefined> {
    const key = keyBytes(record.key);
    const values = [record.bucket, key, record.versionId, record.sse.mode, record.size, JSON.stringify(record)];
    for (;;) {
      const [previous] = await rows<{ doc: string }>(db, 'SELECT doc FROM objects WHERE bucket = $1 AND key = $2 FOR UPDATE', [record.bucket, key]);
      if (previous) {
        await db.query('UPDATE objects SET version_id = $3, mode = $4, size = $5, doc = $6 WHERE bucket = $1 AND key = $2', values);
        return migrateObject(JSON.parse(previous.doc));
      }
      const inserted = await changed(db, 'INSERT INTO objects (bucket, key, version_id, mode, size, doc) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (bucket, key) DO NOTHING', values);
      if (inserted === 1) return undefined;
    }
  }

  async putObject(record: ObjectRecord): Promise<ObjectRecord | undefined> {
    return this.transaction((db) => this.replaceObject(db, record));
  }

  async updateObject(record: ObjectRecord): Promise<boolean> {
    const n = await this.execute(
      'UPDATE objects SET mode = $4, size = $5, doc = $6 WHERE bucket = $1 AND key = $2 AND version_id = $3',
      [record.bucket, keyBytes(record.key), record.versionId, record.sse.mode, record.size, JSON.stringify(record)],
    );
    return n === 1;
  }

  async deleteObject(bucket: string, key: string, ifVersionId?: string): Promise<ObjectRecord | undefined> {
    // One statement: the row is locked, rechecked against ifVersionId if it changed meanwhile, and removed.
    const [row] = ifVersionId === undefined
      ? await this.query<{ doc: string }>('DELETE FROM objects WHERE bucket = $1 AND key = $2 RETURNING doc', [bucket, keyBytes(key)])
      : hasNul(ifVersionId)
        ? []
        : await this.query<{ doc: string }>('DELETE FROM objects WHERE bucket = $1 AND key = $2 AND version_id = $3 RETURNING doc', [bucket, keyBytes(key), ifVersionId]);
    return row ? migrateObject(JSON.parse(row.doc)) : undefined;
  }

  async listObjects(bucket: string, query: ListObjectsQuery): Promise<ObjectRecord[]> {
    const prefix = keyBytes(query.prefix ?? '');
    const upper = prefixUpperBound(prefix);
    const after = query.after !== undefined ? keyBytes(query.after) : undefined;
    // Start after `after` when it lies at or past the prefix, else at the prefix itself.
    const [op, from] = after !== undefined && Buffer.compare(after, prefix) >= 0 ? ['>', after] : ['>=', prefix];
    const values: unknown[] = [bucket, from, limitOf(query.limit)];
    if (upper) values.push(upper);
    const sql = `SELECT doc FROM objects WHERE bucket = $1 AND key ${op} $2${upper ? ' AND key < $4' : ''} ORDER BY key LIMIT $3`;
    return (await this.query<{ doc: string }>(sql, values)).map((r) => migrateObject(JSON.parse(r.doc)));
  }

  async countObjects(bucket: string): Promise<{ mode: string; objects: number; bytes: number }[]> {
    const result = await this.query<{ mode: string; objects: string; bytes: string }>(
      'SELECT mode, COUNT(*) AS objects, COALESCE(SUM(size), 0) AS bytes FROM objects WHERE bucket = $1 GROUP BY mode ORDER BY mode',
      [bucket],
    );
    return result.map((r) => ({ mode: r.mode, objects: Number(r.objects), bytes: Number(r.bytes) }));
  }

  async createUpload(record: UploadRecord): Promise<void> {
    await this.execute('INSERT INTO uploads (upload_id, bucket, key, doc) VALUES ($1, $2, $3, $4)', [record.uploadId, record.bucket, keyBytes(record.key), JSON.stringify(record)]);
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    if (hasNul(uploadId)) return undefined;
    const [row] = await this.query<{ doc: string }>('SELECT doc FROM uploads WHERE upload_id = $1', [uploadId]);
    return row ? migrateUpload(JSON.parse(row.doc)) : undefined;
  }

  async listUploads(bucket: string, query: ListUploadsQuery): Promise<UploadRecord[]> {
    const prefix = keyBytes(query.prefix ?? '');
    const upper = prefixUpperBound(prefix);
    const values: unknown[] = [bucket, prefix, limitOf(query.limit)];
    let where = 'bucket = $1 AND key >= $2';
    if (upper) {
      values.push(upper);
      where += ` AND key < $${values.length}`;
    }
    if (query.keyMarker !== undefined) {
      values.push(keyBytes(query.keyMarker));
      const marker = `$${values.length}`;
      if (query.uploadIdMarker === undefined) {
        // Without an upload-id marker every upload of the key marker is skipped (S3).
        where += ` AND key > ${marker}`;
      } else {
        values.push(beforeNul(query.uploadIdMarker));
        where += ` AND (key > ${marker} OR (key = ${marker} AND upload_id > $${values.length}))`;
      }
    }
    const sql = `SELECT doc FROM uploads WHERE ${where} ORDER BY key, upload_id LIMIT $3`;
    return (await this.query<{ doc: string }>(sql, values)).map((r) => migrateUpload(JSON.parse(r.doc)));
  }

  async putPart(record: PartRecord): Promise<PartRecord | undefined> {
    if (hasNul(record.uploadId)) throw new UploadNotFoundError(record.uploadId);
    return this.transaction(async (db) => {
      // Shared with other parts of the upload; a complete or abort (FOR UPDATE) waits for it, or it for them.
      if ((await rows(db, 'SELECT 1 FROM uploads WHERE upload_id = $1 FOR KEY SHARE', [record.uploadId])).length === 0) {
        throw new UploadNotFoundError(record.uploadId);
      }
      const values = [record.uploadId, record.partNumber, JSON.stringify(record)];
      for (;;) {
        const [previous] = await rows<{ doc: string }>(db, 'SELECT doc FROM parts WHERE upload_id = $1 AND part_number = $2 FOR UPDATE', values.slice(0, 2));
        if (previous) {
          await db.query('UPDATE parts SET doc = $3 WHERE upload_id = $1 AND part_number = $2', values);
          return migratePart(JSON.parse(previous.doc));
        }
        if ((await changed(db, 'INSERT INTO parts (upload_id, part_number, doc) VALUES ($1, $2, $3) ON CONFLICT (upload_id, part_number) DO NOTHING', values)) === 1) {
          return undefined;
        }
      }
    });
  }

  async listParts(uploadId: string, afterPart: number, limit: number): Promise<PartRecord[]> {
    if (hasNul(uploadId)) return [];
    const result = await this.query<{ doc: string }>('SELECT doc FROM parts WHERE upload_id = $1 AND part_number > $2 ORDER BY part_number LIMIT $3', [
      uploadId,
      afterPart,
      limitOf(limit),
    ]);
    return result.map((r) => migratePart(JSON.parse(r.doc)));
  }

  /**
   * Locks the upload row (of two racing completes or aborts, the second waits here and then finds
   * it gone), removes it with its parts and returns the parts in part-number order.
   */
  private async takeUpload(db: Queryable, uploadId: string): Promise<PartRecord[]> {
    if ((await rows(db, 'SELECT 1 FROM uploads WHERE upload_id = $1 FOR UPDATE', [uploadId])).length === 0) throw new UploadNotFoundError(uploadId);
    const parts = await rows<{ part_number: number; doc: string }>(db, 'DELETE FROM parts WHERE upload_id = $1 RETURNING part_number, doc', [uploadId]);
    await db.query('DELETE FROM uploads WHERE upload_id = $1', [uploadId]);
    return parts.sort((a, b) => a.part_number - b.part_number).map((r) => migratePart(JSON.parse(r.doc)));
  }

  async completeUpload(uploadId: string, object: ObjectRecord): Promise<{ replaced?: ObjectRecord; parts: PartRecord[] }> {
    if (hasNul(uploadId)) throw new UploadNotFoundError(uploadId);
    return this.transaction(async (db) => {
      const parts = await this.takeUpload(db, uploadId);
      const replaced = await this.replaceObject(db, object);
      return { ...(replaced ? { replaced } : {}), parts };
    });
  }

  async abortUpload(uploadId: string): Promise<PartRecord[]> {
    if (hasNul(uploadId)) throw new UploadNotFoundError(uploadId);
    return this.transaction((db) => this.takeUpload(db, uploadId));
  }

  /**
   * One consistent snapshot (a REPEATABLE READ, read-only transaction held while the caller
   * iterates), read in pages by primary key so no table is held in memory.
   */
  async *referencedLocators(): AsyncIterable<string> {
    const lease = await this.lease();
    const client = lease.client;
    const page = async <R extends QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> => {
      try {
        return await rows<R>(client, sql, values);
      } catch (e) {
        lease.broken ??= e instanceof Error ? e : new Error(String(e));
        throw this.translate(e);
      }
    };
    try {
      await page('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', []);
      let last: [string, Buffer] | undefined;
      for (;;) {
        const batch = await page<{ bucket: string; key: Buffer; doc: string }>(
          `SELECT bucket, key, doc FROM objects${last ? ' WHERE (bucket, key) > ($2, $3)' : ''} ORDER BY bucket, key LIMIT $1`,
          last ? [PAGE_ROWS, ...last] : [PAGE_ROWS],
        );
        for (const row of batch) for (const s of migrateObject(JSON.parse(row.doc)).segments) yield s.locator;
        if (batch.length < PAGE_ROWS) break;
        const end = batch[batch.length - 1]!;
        last = [end.bucket, end.key];
      }
      let lastPart: [string, number] | undefined;
      for (;;) {
        const batch = await page<{ upload_id: string; part_number: number; doc: string }>(
          `SELECT upload_id, part_number, doc FROM parts${lastPart ? ' WHERE (upload_id, part_number) > ($2, $3)' : ''} ORDER BY upload_id, part_number LIMIT $1`,
          lastPart ? [PAGE_ROWS, ...lastPart] : [PAGE_ROWS],
        );
        for (const row of batch) yield migratePart(JSON.parse(row.doc)).segment.locator;
        if (batch.length < PAGE_ROWS) break;
        const end = batch[batch.length - 1]!;
        lastPart = [end.upload_id, end.part_number];
      }
    } finally {
      if (!lease.broken) await client.query('COMMIT').catch((e: Error) => void (lease.broken = e));
      lease.release();
    }
  }

  async getState(name: string): Promise<string | undefined> {
    if (hasNul(name)) return undefined;
    const [row] = await this.query<{ value: string }>('SELECT value FROM state WHERE name = $1', [name]);
    return row?.value;
  }

  /**
   * One statement each. Compare-and-set is an UPDATE conditioned on the value: of two racing
   * writers with the same `expected`, the second waits for the first's row lock, re-reads the
   * row, no longer matches and changes nothing; so no update is lost across nodes.
   */
  async putState(name: string, value: string, expected?: string | null): Promise<boolean> {
    if (expected === undefined) {
      return (await this.execute('INSERT INTO state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, value])) === 1;
    }
    if (expected === null) return (await this.execute('INSERT INTO state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, value])) === 1;
    if (hasNul(expected)) return false;
    return (await this.execute('UPDATE state SET value = $2 WHERE name = $1 AND value = $3', [name, value, expected])) === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** LIMIT value: a negative limit means none, as in SQLite. */
function limitOf(limit: number): number | null {
  return limit < 0 ? null : limit;
}

/**
 * An upload-id marker cut at its first U+0000 (PostgreSQL text cannot hold it). Same result:
 * stored ids hold no U+0000, and for such an id `id > p + '\0' + rest` exactly when `id > p`.
 */
function beforeNul(s: string): string {
  const at = s.indexOf('\u0000');
  return at < 0 ? s : s.slice(0, at);
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/** A copy of `e` with its message, stack and code only, the password removed: nothing else of a driver error is passed on. */
function redacted(e: unknown, secrets: string[]): Error {
  const source = e instanceof Error ? e : new Error(String(e));
  const copy = new Error(redact(source.message, secrets));
  copy.name = source.name;
  copy.stack = redact(source.stack ?? '', secrets);
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

/** `e` itself when it does not mention the password, else a redacted copy. */
function scrub(e: Error, secrets: string[]): Error {
  const text = `${e.message}\n${e.stack ?? ''}\n${String((e as { input?: unknown }).input ?? '')}`;
  return secrets.some((s) => text.includes(s)) ? redacted(e, secrets) : e;
}
