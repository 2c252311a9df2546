/**
 * Every write to the SQLite database (metadata records, small blobs, state), as named operations
 * over plain values: strings, numbers and bytes in, strings and booleans out. Both writers run
 * this one table (sqlite-writer.ts): on the event loop's own connection, or on a writer thread's,
 * where the arguments and results cross by structured clone. Each operation runs inside a
 * transaction its writer opens; none awaits, logs or holds anything between calls.
 */
import type Database from 'better-sqlite3';
import { UploadNotFoundError, type DeleteBucketResult } from '../metadata-store.js';
import { migrateObject } from '../migrate.js';

type StatementName =
  | 'insertBucket' | 'getBucket' | 'updateBucket' | 'deleteBucket' | 'anyObject' | 'anyUpload'
  | 'getObject' | 'putObject' | 'deleteObject' | 'updateObject'
  | 'insertUpload' | 'getUpload' | 'deleteUpload' | 'getPart' | 'putPart' | 'allParts'
  | 'upsertState' | 'insertState' | 'casState' | 'insertBlob' | 'copyBlob' | 'deleteBlob';

/** An object key as stored: a BLOB of its UTF-8 bytes, so SQLite orders keys as S3 lists them. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

/**
 * The settings every connection to the database takes, the event loop's and the writer thread's:
 * WAL, commits without a sync of their own (a writer syncs the WAL: sqlite-writer.ts), foreign
 * keys, and a wait for a lock another connection holds.
 */
export function configureConnection(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

/** Bytes as better-sqlite3 binds them (a Uint8Array arrives from another thread without Buffer's prototype). */
function bytes(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The statements the operations use, prepared once per connection. */
export function prepareWriteStatements(db: Database.Database): Record<StatementName, Database.Statement> {
  return {
    insertBucket: db.prepare('INSERT OR IGNORE INTO buckets (name, doc) VALUES (?, ?)'),
    getBucket: db.prepare('SELECT 1 FROM buckets WHERE name = ?'),
    updateBucket: db.prepare('UPDATE buckets SET doc = ? WHERE name = ?'),
    deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
    anyObject: db.prepare('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1'),
    anyUpload: db.prepare('SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1'),
    getObject: db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key = ?').pluck(),
    putObject: db.prepare('INSERT INTO objects (bucket, key, mode, size, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (bucket, key) DO UPDATE SET mode = excluded.mode, size = excluded.size, doc = excluded.doc'),
    deleteObject: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?'),
    updateObject: db.prepare("UPDATE objects SET doc = ? WHERE bucket = ? AND key = ? AND json_extract(doc, '$.versionId') = ?"),
    insertUpload: db.prepare('INSERT INTO uploads (upload_id, bucket, key, doc) VALUES (?, ?, ?, ?)'),
    getUpload: db.prepare('SELECT 1 FROM uploads WHERE upload_id = ?'),
    deleteUpload: db.prepare('DELETE FROM uploads WHERE upload_id = ?'),
    getPart: db.prepare('SELECT doc FROM parts WHERE upload_id = ? AND part_number = ?').pluck(),
    putPart: db.prepare('INSERT INTO parts (upload_id, part_number, doc) VALUES (?, ?, ?) ON CONFLICT (upload_id, part_number) DO UPDATE SET doc = excluded.doc'),
    allParts: db.prepare('SELECT doc FROM parts WHERE upload_id = ? ORDER BY part_number').pluck(),
    upsertState: db.prepare('INSERT INTO state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    insertState: db.prepare('INSERT OR IGNORE INTO state (name, value) VALUES (?, ?)'),
    casState: db.prepare('UPDATE state SET value = ? WHERE name = ? AND value = ?'),
    insertBlob: db.prepare('INSERT INTO small_blobs (id, data) VALUES (?, ?)'),
    copyBlob: db.prepare('INSERT INTO small_blobs (id, data) SELECT ?, data FROM small_blobs WHERE id = ?'),
    deleteBlob: db.prepare('DELETE FROM small_blobs WHERE id = ?'),
  };
}

export type WriteStatements = ReturnType<typeof prepareWriteStatements>;

/** The columns of an object row beside its JSON document. */
export interface ObjectRow {
  bucket: string;
  key: string;
  mode: string;
  size: number;
  doc: string;
}

/** Replaces an object's row; the replaced row's document, or null. */
function putObjectRow(s: WriteStatements, row: ObjectRow): string | null {
  const key = keyBytes(row.key);
  const previous = s.getObject.get(row.bucket, key) as string | undefined;
  s.putObject.run(row.bucket, key, row.mode, row.size, row.doc);
  return previous ?? null;
}

function requireUpload(s: WriteStatements, uploadId: string): void {
  if (!s.getUpload.get(uploadId)) throw new UploadNotFoundError(uploadId);
}

/** Deletes an upload (its parts go with it); its parts' documents. UploadNotFoundError when it is gone. */
function endUpload(s: WriteStatements, uploadId: string): string[] {
  requireUpload(s, uploadId);
  const parts = s.allParts.all(uploadId) as string[];
  s.deleteUpload.run(uploadId);
  return parts;
}

/**
 * The operations. Documents are the records' JSON as stored; the caller parses what comes back
 * (through the record migrations), so a result is the same whichever thread produced it.
 */
export const WRITES = {
  createBucket: (s: WriteStatements, name: string, doc: string): boolean => s.insertBucket.run(name, doc).changes === 1,
  updateBucket: (s: WriteStatements, name: string, doc: string): boolean => s.updateBucket.run(doc, name).changes === 1,
  deleteBucket(s: WriteStatements, name: string): DeleteBucketResult {
    if (!s.getBucket.get(name)) return 'missing';
    if (s.anyObject.get(name) || s.anyUpload.get(name)) return 'not-empty';
    s.deleteBucket.run(name);
    return 'deleted';
  },
  putObject: putObjectRow,
  updateObject: (s: WriteStatements, row: ObjectRow, versionId: string): boolean => s.updateObject.run(row.doc, row.bucket, keyBytes(row.key), versionId).changes === 1,
  /** The deleted row's document, or null (no such object, or `ifVersionId` is no longer current). */
  deleteObject(s: WriteStatements, bucket: string, key: string, ifVersionId: string | null): string | null {
    const kb = keyBytes(key);
    const doc = s.getObject.get(bucket, kb) as string | undefined;
    if (doc === undefined) return null;
    if (ifVersionId !== null && migrateObject(JSON.parse(doc)).versionId !== ifVersionId) return null;
    s.deleteObject.run(bucket, kb);
    return doc;
  },
  createUpload: (s: WriteStatements, uploadId: string, bucket: string, key: string, doc: string): void => void s.insertUpload.run(uploadId, bucket, keyBytes(key), doc),
  /** The replaced part's document, or null; UploadNotFoundError when the upload is gone. */
  putPart(s: WriteStatements, uploadId: string, partNumber: number, doc: string): string | null {
    requireUpload(s, uploadId);
    const previous = s.getPart.get(uploadId, partNumber) as string | undefined;
    s.putPart.run(uploadId, partNumber, doc);
    return previous ?? null;
  },
  /** Ends the upload and puts its object: the parts' documents and the replaced object's. */
  completeUpload(s: WriteStatements, uploadId: string, object: ObjectRow): { parts: string[]; replaced: string | null } {
    const parts = endUpload(s, uploadId);
    return { parts, replaced: putObjectRow(s, object) };
  },
  /** Ends the upload: its parts' documents. */
  abortUpload: endUpload,
  /** Unconditional (`expected` undefined), only if absent (null), or only if the value is `expected`. */
  putState(s: WriteStatements, name: string, value: string, expected: string | null | undefined): boolean {
    if (expected === undefined) return s.upsertState.run(name, value).changes === 1;
    if (expected === null) return s.insertState.run(name, value).changes === 1;
    return s.casState.run(value, name, expected).changes === 1;
  },
  insertBlob: (s: WriteStatements, id: string, data: Uint8Array): void => void s.insertBlob.run(id, bytes(data)),
  /** False when the source row is missing. */
  copyBlob: (s: WriteStatements, id: string, fromId: string): boolean => s.copyBlob.run(id, fromId).changes === 1,
  deleteBlob: (s: WriteStatements, id: string): void => void s.deleteBlob.run(id),
};

export type WriteName = keyof typeof WRITES;

/**
 * Writes that resolve once committed, without waiting for a sync: a later write makes them
 * durable. A small blob's row is named only by a record or part written after it, and that
 * write's sync covers the row too (SQLite writes one WAL in commit order); a crash before it
 * leaves an unreferenced row, and a lost delete one, which the orphan sweep at start removes.
 */
export const SYNCED_LATER: ReadonlySet<WriteName> = new Set<WriteName>(['insertBlob', 'copyBlob', 'deleteBlob']);
/** The arguments of an operation after its statements. */
export type WriteArgs<K extends WriteName> = (typeof WRITES)[K] extends (s: WriteStatements, ...args: infer A) => unknown ? A : never;
export type WriteResult<K extends WriteName> = ReturnType<(typeof WRITES)[K]>;

/** Runs one operation on its connection's statements; the caller holds the transaction. */
export function runWrite<K extends WriteName>(s: WriteStatements, name: K, args: WriteArgs<K>): WriteResult<K> {
  return (WRITES[name] as unknown as (s: WriteStatements, ...a: WriteArgs<K>) => WriteResult<K>)(s, ...args);
}
