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
import { Readable } from 'node:stream';
import { BlobNotFoundError, BlobStoreFullError, type BlobLocator, type BlobReader, type BlobStore, type BlobWriteResult, type ByteRange } from '../blob-store.js';

const LOCATOR = /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{32}$/;

/** A large blob is fdatasync'd in the background every this many bytes, overlapping disk and network. */
const EARLY_SYNC_BYTES = 32 * 1024 * 1024;

/** Bytes gathered into one write. */
const BATCH_BYTES = 1024 * 1024;
/**
 * Receiving pauses while this much waits to be written, and resumes below half of it: two batches,
 * so one is being written while the next fills. Deeper only held memory per upload (4 MiB before:
 * ~5 MB more per upload in flight, no faster).
 */
const QUEUE_PAUSE_BYTES = 2 * BATCH_BYTES;

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
  private preparing: Promise<void> | undefined;
  private closed = false;

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

  /**
   * New blobs go to `ab/c0/<id>`: 256 × 16 shard dirs (the locator format allows 256 × 256; readers
   * accept any), so after the first few thousand writes every shard exists and a write never pays
   * for a new directory again, not even after a restart.
   */
  private newLocator(): BlobLocator {
    const id = randomBytes(16).toString('hex');
    return `${id.slice(0, 2)}/${id[2]}0/${id}`;
  }

  /**
   * Makes every shard dir a new locator can name, in the background at start, so writes rarely
   * find one missing (ensureShard covers those that do).
   */
  prepareShards(): Promise<void> {
    this.preparing ??= (async () => {
      for (let a = 0; a < 256 && !this.closed; a++) {
        for (let b = 0; b < 16 && !this.closed; b++) await this.ensureShard(join(this.root, a.toString(16).padStart(2, '0'), `${b.toString(16)}0`));
      }
    })();
    return this.preparing;
  }

  /** Makes a shard dir if missing; only a dir actually created costs the syncs of its parents. */
  private async ensureShard(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    // mkdir names the first directory it had to create: the shard alone, or its parent too.
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) await this.syncDir(join(dir, '..'));
    if (created !== undefined && created !== dir) await this.syncDir(this.root);
    this.knownDirs.add(dir);
  }

  private async install(tmpPath: string): Promise<BlobLocator> {
    const locator = this.newLocator();
    const finalPath = join(this.root, locator);
    const dir = join(finalPath, '..');
    await this.ensureShard(dir);
    await rename(tmpPath, finalPath);
    await this.syncDir(dir);
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
      let syncedAt = 0;
      const earlySyncs: Promise<void>[] = [];
      /** Takes the current batch for writing, so receiving can fill the next one meanwhile. */
      const take = (): { chunks: Buffer[]; size: number } => {
        const taken = { chunks: batch.splice(0, batch.length), size: batchBytes };
        batchBytes = 0;
        return taken;
      };
      const writeChunks = async ({ chunks, size }: { chunks: Buffer[]; size: number }): Promise<void> => {
        if (size === 0) return;
        this.faults.beforeWrite?.(bytes);
        // One gathered write per batch (no copy into a staging buffer); finish any short write.
        let { bytesWritten } = await handle!.writev(chunks);
        while (bytesWritten < size) {
          let skip = bytesWritten;
          const rest: Buffer[] = [];
          for (const b of chunks) {
            if (skip >= b.length) skip -= b.length;
            else {
              rest.push(skip > 0 ? b.subarray(skip) : b);
              skip = 0;
            }
          }
          bytesWritten += (await handle!.writev(rest)).bytesWritten;
        }
        bytes += size;
        // Start flushing to disk while more arrives, so the final sync has little left to do.
        if (bytes - syncedAt >= EARLY_SYNC_BYTES) {
          syncedAt = bytes;
          earlySyncs.push(handle!.datasync());
        }
      };
      if (source instanceof Readable) {
        // 'data' events hand over chunks one by one (async iteration would concatenate them).
        await new Promise<void>((resolve, reject) => {
          let failed = false;
          let writing: Promise<void> = Promise.resolve();
          let queued = 0;
          const fail = (e: unknown): void => {
            if (failed) return;
            failed = true;
            source.destroy();
            reject(e);
          };
          // The source may have failed while the file was being opened, before these listeners.
          if (source.errored) return fail(source.errored);
          if (source.destroyed) return fail(new Error('source closed before its end'));
          // Receiving goes on while earlier batches are written; only a deep queue pauses it.
          source.on('data', (chunk: Buffer) => {
            batch.push(chunk);
            batchBytes += chunk.length;
            if (batchBytes < BATCH_BYTES) return;
            const taken = take();
            const size = taken.size;
            queued += size;
            writing = writing.then(() => writeChunks(taken));
            writing.then(
              () => {
                queued -= size;
                if (queued < QUEUE_PAUSE_BYTES / 2 && source.isPaused()) source.resume();
              },
              fail,
            );
            if (queued >= QUEUE_PAUSE_BYTES) source.pause();
          });
          source.once('end', () => writing.then(() => (failed ? undefined : resolve()), fail));
          source.once('error', fail);
          source.once('close', () => {
            if (!source.readableEnded) fail(new Error('source closed before its end'));
          });
        });
      } else {
        for await (const chunk of source) {
          batch.push(chunk);
          batchBytes += chunk.length;
          if (batchBytes >= BATCH_BYTES) await writeChunks(take());
        }
      }
      await writeChunks(take());
      await Promise.all(earlySyncs);
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

  /** The blob's file, opened for reading; BlobNotFoundError when there is none. */
  private async openFile(locator: BlobLocator): Promise<FileHandle> {
    try {
      return await open(this.pathOf(locator), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(locator);
      throw e;
    }
  }

  async read(locator: BlobLocator, range?: ByteRange, options: { chunkBytes?: number } = {}): Promise<Readable> {
    const handle = await this.openFile(locator);
    return handle.createReadStream({ ...(range ? { start: range.start, end: range.end } : {}), highWaterMark: options.chunkBytes ?? 1024 * 1024, autoClose: true });
  }

  async open(locator: BlobLocator): Promise<BlobReader> {
    const file = await this.openFile(locator);
    let closing: Promise<void> | undefined;
    return {
      async read(buffer: Buffer, position: number): Promise<number> {
        let filled = 0;
        // pread fills the buffer except at the end of the file (or when interrupted).
        while (filled < buffer.length) {
          const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, position + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled;
      },
      close: () => (closing ??= file.close()),
    };
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
      this.faults.beforeWrite?.(0);
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

  async close(): Promise<void> {
    this.closed = true;
    await this.preparing?.catch(() => undefined);
  }
}
