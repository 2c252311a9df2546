/**
 * Two stores behind one BlobStore: a blob that ends within `smallMaxBytes` goes to `small`, a
 * larger one to `large`. The first bytes of a write are held (never more than smallMaxBytes) until
 * the source either ends, and the blob is small, or goes past the limit, and the held chunks then
 * lead the rest into the large store. Reads, copies and deletes go to the store that owns the
 * locator; listing and start-up cleaning cover both.
 */
import { PassThrough, Readable, pipeline } from 'node:stream';
import { writeWholeBlob, type BlobLocator, type BlobReader, type BlobStore, type BlobWriteResult, type ByteRange } from '../blob-store.js';

export interface TieredBlobStoreOptions {
  small: BlobStore;
  large: BlobStore;
  /** Whether a locator belongs to the small store. */
  ownsSmall: (locator: BlobLocator) => boolean;
  smallMaxBytes: number;
}

/** The first chunks of a source: all of it (`ended`), or up to just past `limit` bytes. */
async function head(source: Readable, limit: number): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const detach = (): void => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
    };
    const done = (ended: boolean): void => {
      detach();
      resolve({ chunks, ended });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes > limit) {
        source.pause();
        done(false);
      }
    };
    const onEnd = (): void => done(true);
    const onError = (e: unknown): void => {
      detach();
      reject(e);
    };
    const onClose = (): void => {
      if (!source.readableEnded) onError(new Error('source closed before its end'));
    };
    if (source.errored) return reject(source.errored);
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
    source.once('close', onClose);
  });
}

export class TieredBlobStore implements BlobStore {
  /** Random access when both stores offer it. */
  readonly open?: (locator: BlobLocator) => Promise<BlobReader>;

  constructor(private readonly options: TieredBlobStoreOptions) {
    const { small, large } = options;
    if (small.open && large.open) this.open = (locator) => this.storeOf(locator).open!(locator);
  }

  private storeOf(locator: BlobLocator): BlobStore {
    return this.options.ownsSmall(locator) ? this.options.small : this.options.large;
  }

  /** A whole blob goes straight to the store its size chooses. */
  async writeBuffer(data: Buffer, hint?: string): Promise<BlobWriteResult> {
    return writeWholeBlob(data.length <= this.options.smallMaxBytes ? this.options.small : this.options.large, data, hint);
  }

  async write(source: AsyncIterable<Buffer> | Readable, hint?: string): Promise<BlobWriteResult> {
    const readable = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
    const { chunks, ended } = await head(readable, this.options.smallMaxBytes);
    if (ended) return this.writeBuffer(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), hint);
    // The held chunks, then the rest of the source, with errors and hang-ups passed both ways.
    const rest = new PassThrough();
    for (const chunk of chunks) rest.write(chunk);
    pipeline(readable, rest, () => undefined);
    return this.options.large.write(rest, hint);
  }

  read(locator: BlobLocator, range?: ByteRange, options?: { chunkBytes?: number }): Promise<Readable> {
    return this.storeOf(locator).read(locator, range, options);
  }

  size(locator: BlobLocator): Promise<number> {
    return this.storeOf(locator).size(locator);
  }

  copy(locator: BlobLocator, hint?: string): Promise<BlobWriteResult> {
    return this.storeOf(locator).copy(locator, hint);
  }

  delete(locator: BlobLocator): Promise<void> {
    return this.storeOf(locator).delete(locator);
  }

  async *list(): AsyncIterable<BlobLocator> {
    yield* this.options.small.list();
    yield* this.options.large.list();
  }

  async cleanTemporary(): Promise<number> {
    return (await this.options.small.cleanTemporary()) + (await this.options.large.cleanTemporary());
  }

  async close(): Promise<void> {
    await Promise.all([this.options.small.close(), this.options.large.close()]);
  }
}
