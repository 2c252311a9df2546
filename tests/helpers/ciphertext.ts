/**
 * The stored ciphertext of a blob, wherever the server keeps it: a file under `<data>/blobs/` or,
 * for small blobs (`db/<id>` locators), a row of the `small_blobs` table in the metadata database.
 * Read and written with plain fs and SQL, not through the stores under test.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';

function smallBlobId(locator: string): string | undefined {
  return /^db\/([0-9a-f]{32})$/.exec(locator)?.[1];
}

export function isSmallBlob(locator: string): boolean {
  return smallBlobId(locator) !== undefined;
}

export async function readCiphertext(dataDir: string, locator: string): Promise<Buffer> {
  const id = smallBlobId(locator);
  if (id === undefined) return readFile(join(dataDir, 'blobs', locator));
  const db = new Database(join(dataDir, 'metadata.sqlite'), { readonly: true });
  try {
    const data = db.prepare('SELECT data FROM small_blobs WHERE id = ?').pluck().get(id) as Buffer | undefined;
    if (data === undefined) throw new Error(`no small blob ${locator}`);
    return data;
  } finally {
    db.close();
  }
}

/** Replaces the stored bytes (the server must be stopped: tests use it to tamper with blobs). */
export async function writeCiphertext(dataDir: string, locator: string, bytes: Buffer): Promise<void> {
  const id = smallBlobId(locator);
  if (id === undefined) return writeFile(join(dataDir, 'blobs', locator), bytes);
  const db = new Database(join(dataDir, 'metadata.sqlite'));
  try {
    const changed = db.prepare('UPDATE small_blobs SET data = ? WHERE id = ?').run(bytes, id).changes;
    if (changed !== 1) throw new Error(`no small blob ${locator}`);
  } finally {
    db.close();
  }
}
