/**
 * Blobs as files under a root directory. Durability: each blob is written to a temporary file in
 * `<root>/tmp` (mode 0600), fsync'd, renamed into its shard directory, and the directory is
 * fsync'd, so a resolved write survives a crash and a crash never leaves a partial blob under its
 * final name. Temporary files left by a crash are removed at start. Locators are random names
 * generated here and validated on every use; object names never reach the file system.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BlobNotFoundError, BlobStoreFullError, type BlobLocator, type BlobStore, type BlobWriteResult, type ByteRange } from '../blob-store.js';

const LOCATOR = /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{32}$/;

export interface FsBlobStoreFaults {
  /** Called before each chunk is written; throw to simulate a failing disk (e.g. ENOSPC). */
  beforeWrite?: (bytesSoFar: number) => void;
}

function isFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;
  private readonly knownDirs = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly faults: FsBlobStoreFaults = {},
  ) {
    this.tmpDir = join(root, 'tmp');
  }

  private pathOf(locator: BlobLocator): string {
    if (!LOCATOR.test(locator)) throw new BlobNotFoundError(locator);
    return join(this.root, locator);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.knownDirs.add(dir);
  }

  private async syncDir(dir: string): Promise<void> {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private newLocator(): BlobLocator {
    const id = randomBytes(16).toString('hex');
    return `${id.slice(0, 2)}/${id.slice(2, 4)}/${id}`;
  }

  private async install(tmpPath: string): Promise<BlobLocator> {
    const locator = this.newLocator();
    const finalPath = join(this.root, locator);
    const dir = join(finalPath, '..');
    const fresh = !this.knownDirs.has(dir);
    await this.ensureDir(dir);
    await rename(tmpPath, finalPath);
    await this.syncDir(dir);
    if (fresh) {
      await this.syncDir(join(dir, '..'));
      await this.syncDir(this.root);
    }
    return locator;
  }

  async write(source: AsyncIterable<Buffer> | Readable): Promise<BlobWriteResult> {
    await this.ensureDir(this.tmpDir);
    const tmpPath = join(this.tmpDir, randomBytes(16).toString('hex'));
    let handle: FileHandle | undefined;
    let bytes = 0;
    try {
      handle = await open(tmpPath, 'wx', 0o600);
      // Gather small chunks into larger writes: fewer syscalls at disk speed.
      const batch: Buffer[] = [];
      let batchBytes = 0;
      const flush = async (): Promise<void> => {
        if (batchBytes === 0) return;
        this.faults.beforeWrite?.(bytes);
        const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
        let offset = 0;
        while (offset < data.length) {
          const { bytesWritten } = await handle!.write(data, offset, data.length - offset);
          offset += bytesWritten;
        }
        bytes += batchBytes;
        batch.length = 0;
        batchBytes = 0;
      };
      for await (const chunk of source) {
        batch.push(chunk as Buffer);
        batchBytes += (chunk as Buffer).length;
        if (batchBytes >= 1024 * 1024) await flush();
      }
      await flush();
      await handle.datasync();
      await handle.close();
      handle = undefined;
      return { locator: await this.install(tmpPath), bytes };
    } catch (e) {
      await handle?.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
      if (isFull(e)) throw new BlobStoreFullError(e);
      throw e;
    }
  }

  async read(locator: BlobLocator, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(locator);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(locator);
      throw e;
    }
    return handle.createReadStream({ ...(range ? { start: range.start, end: range.end } : {}), highWaterMark: 256 * 1024, autoClose: true });
  }

  async size(locator: BlobLocator): Promise<number> {
    try {
      return (await stat(this.pathOf(locator))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(locator);
      throw e;
    }
  }

  async copy(locator: BlobLocator): Promise<BlobWriteResult> {
    const source = this.pathOf(locator);
    await this.ensureDir(this.tmpDir);
    const tmpPath = join(this.tmpDir, randomBytes(16).toString('hex'));
    try {
      await copyFile(source, tmpPath, fsConstants.COPYFILE_EXCL | fsConstants.COPYFILE_FICLONE);
      const handle = await open(tmpPath, 'r+');
      let bytes: number;
      try {
        await handle.datasync();
        bytes = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
      return { locator: await this.install(tmpPath), bytes };
    } catch (e) {
      await unlink(tmpPath).catch(() => undefined);
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(locator);
      if (isFull(e)) throw new BlobStoreFullError(e);
      throw e;
    }
  }

  async delete(locator: BlobLocator): Promise<void> {
    if (!LOCATOR.test(locator)) return;
    await rm(join(this.root, locator), { force: true });
  }

  async *list(): AsyncIterable<BlobLocator> {
    let level1: string[];
    try {
      level1 = await readdir(this.root);
    } catch {
      return;
    }
    for (const a of level1) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await readdir(join(this.root, a)).catch(() => [] as string[])) {
        if (!/^[0-9a-f]{2}$/.test(b)) continue;
        for (const name of await readdir(join(this.root, a, b)).catch(() => [] as string[])) {
          const locator = `${a}/${b}/${name}`;
          if (LOCATOR.test(locator)) yield locator;
        }
      }
    }
  }

  async cleanTemporary(): Promise<number> {
    await this.ensureDir(this.root);
    let removed = 0;
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      await rm(join(this.tmpDir, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  async close(): Promise<void> {}
}
