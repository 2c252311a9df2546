/**
 * Blobs as rows of a table in the metadata's SQLite database, for small blobs (see
 * tiered-blob-store.ts). A small object then costs one more row in the WAL instead of a file
 * created, written, fdatasync'd, renamed and its directory fsync'd, and a read costs a SELECT
 * instead of an open, a read and a close.
 *
 * Rows are written by the metadata store's writer (sqlite-writer.ts: on a thread of its own in
 * the server) and read on this thread's connection. A row's write resolves once committed,
 * without a sync of its own: it is durable once the WAL is synced past it, which the write of the
 * record that names it does before the request is acknowledged (SQLite writes one WAL in commit
 * order, so a synced later commit covers every earlier one). A crash before that leaves an
 * unreferenced row, which the orphan sweep at start removes. Locators are `db/<32 hex>`,
 * generated here and validated on every use.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import type { SqliteWriter } from '../../metadata/sqlite/sqlite-writer.js';
import { BlobNotFoundError, BlobStoreFullError, type BlobLocator, type BlobReader, type BlobStore, type BlobWriteResult, type ByteRange } from '../blob-store.js';
import type { FsBlobStoreFaults } from '../fs/fs-blob-store.js';

const LOCATOR = /^db\/[0-9a-f]{32}$/;

/** A full disk, as SQLite (SQLITE_FULL) or the file system (an injected ENOSPC) reports it. */
function isFull(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

export class SqliteBlobStore implements BlobStore {
  /** Whether a locator names a blob of this store. */
  static owns(locator: BlobLocator): boolean {
    return LOCATOR.test(locator);
  }

  private readonly stmt;
  private readonly writer: SqliteWriter;

  /**
   * `database` (which has the small_blobs table) and its writer stay owned by their opener (the
   * metadata store), which closes them.
   */
  constructor(
    database: { database: Database.Database; writer: SqliteWriter },
    private readonly faults: FsBlobStoreFaults = {},
  ) {
    const db = database.database;
    this.writer = database.writer;
    this.stmt = {
      length: db.prepare('SELECT length(data) AS bytes FROM small_blobs WHERE id = ?').pluck(),
      // substr() on a BLOB counts bytes, from 1.
      slice: db.prepare('SELECT substr(data, ?, ?) FROM small_blobs WHERE id = ?').pluck(),
      whole: db.prepare('SELECT data FROM small_blobs WHERE id = ?').pluck(),
      list: db.prepare('SELECT id FROM small_blobs ORDER BY id').pluck(),
    };
  }

  private idOf(locator: BlobLocator): string {
    if (!LOCATOR.test(locator)) throw new BlobNotFoundError(locator);
    return locator.slice(3);
  }

  async write(source: AsyncIterable<Buffer> | Readable): Promise<BlobWriteResult> {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(chunk as Buffer);
    return this.writeBuffer(Buffer.concat(chunks));
  }

  async writeBuffer(data: Buffer): Promise<BlobWriteResult> {
    const id = randomBytes(16).toString('hex');
    await this.insert(() => this.writer.run('insertBlob', id, data));
    return { locator: `db/${id}`, bytes: data.length };
  }

  async read(locator: BlobLocator, range?: ByteRange, options: { chunkBytes?: number } = {}): Promise<Readable> {
    const id = this.idOf(locator);
    const data = (range ? this.stmt.slice.get(range.start + 1, range.end - range.start + 1, id) : this.stmt.whole.get(id)) as Buffer | null | undefined;
    if (data === undefined || data === null) throw new BlobNotFoundError(locator);
    const chunkBytes = options.chunkBytes ?? data.length;
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += chunkBytes) chunks.push(data.subarray(at, at + chunkBytes));
    return Readable.from(chunks, { objectMode: false });
  }

  /** A small blob is fetched whole (one SELECT) and read from memory. */
  async open(locator: BlobLocator): Promise<BlobReader> {
    const data = this.stmt.whole.get(this.idOf(locator)) as Buffer | null | undefined;
    if (data === undefined || data === null) throw new BlobNotFoundError(locator);
    return {
      read: async (buffer: Buffer, position: number) => (position >= data.length ? 0 : data.copy(buffer, 0, position, position + buffer.length)),
      close: async () => undefined,
    };
  }

  async size(locator: BlobLocator): Promise<number> {
    const bytes = this.stmt.length.get(this.idOf(locator)) as number | undefined;
    if (bytes === undefined) throw new BlobNotFoundError(locator);
    return bytes;
  }

  async copy(locator: BlobLocator): Promise<BlobWriteResult> {
    const bytes = await this.size(locator);
    const id = randomBytes(16).toString('hex');
    if (!(await this.insert(() => this.writer.run('copyBlob', id, this.idOf(locator))))) throw new BlobNotFoundError(locator);
    return { locator: `db/${id}`, bytes };
  }

  private async insert<T>(run: () => Promise<T>): Promise<T> {
    try {
      this.faults.beforeWrite?.(0);
      return await run();
    } catch (e) {
      if (isFull(e)) throw new BlobStoreFullError(e);
      throw e;
    }
  }

  async delete(locator: BlobLocator): Promise<void> {
    if (!LOCATOR.test(locator)) return;
    await this.writer.run('deleteBlob', locator.slice(3));
  }

  async *list(): AsyncIterable<BlobLocator> {
    for (const id of this.stmt.list.all() as string[]) yield `db/${id}`;
  }

  /** Rows are written whole in one statement: a crash leaves no partial one. */
  async cleanTemporary(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}
