/**
 * Record-level migrations: readers bring older record schemas to the newest through explicit
 * functions; writers write the newest. Schema 1 is the only one so far, so each migration is the
 * identity, but every read goes through here so the next version has one place to land.
 */
import type { BucketRecord, ObjectRecord, PartRecord, UploadRecord } from './records.js';

export const CURRENT_SCHEMA = 1;

export class UnknownSchemaError extends Error {
  constructor(kind: string, schema: unknown) {
    super(`${kind} record has unknown schema ${String(schema)}`);
    this.name = 'UnknownSchemaError';
  }
}

function check<T extends { schema: number }>(kind: string, value: unknown): T {
  const schema = (value as { schema?: unknown })?.schema;
  if (schema === 1) return value as T;
  throw new UnknownSchemaError(kind, schema);
}

export const migrateBucket = (v: unknown): BucketRecord => check<BucketRecord>('bucket', v);
export const migrateObject = (v: unknown): ObjectRecord => check<ObjectRecord>('object', v);
export const migrateUpload = (v: unknown): UploadRecord => check<UploadRecord>('upload', v);
export const migratePart = (v: unknown): PartRecord => check<PartRecord>('part', v);
