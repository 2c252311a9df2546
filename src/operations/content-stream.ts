/**
 * The plaintext of a list of segments read straight from a random-access blob store: for each
 * segment the envelope (or, for a range, its header and then the packages the range touches) is
 * read in whole packages into two buffers that take turns (the next read runs on the thread pool
 * while the current one is decrypted), each package is released once its tag verifies, and the
 * buffers are reused. One Readable from blob to socket: no read stream, no decrypt transform, no
 * pass-through between them. Must not hold a chunk past the opener's update (buffers are reused).
 *
 * Why: a large GET through fs read streams allocated a fresh 1 MiB buffer per read on top of the
 * fresh plaintext of every package; that external memory drove a mark-compact GC about every
 * 32 MB, ~20 % of the server's CPU on 1 GiB GETs (BENCHMARKS.md).
 */
import { Readable } from 'node:stream';
import { createEnvelopeOpener, HEADER_BYTES, IntegrityError, packageBytesOf, planRange, type EnvelopeOpener } from '../crypto/envelope.js';
import type { BlobReader } from '../storage/blob-store.js';

/** One segment to read: where its envelope lives and which of its bytes to deliver. */
export interface ContentPart {
  open: () => Promise<BlobReader>;
  contentKey: Buffer;
  plainBytes: number;
  cipherBytes: number;
  /** Plaintext bytes to deliver, inclusive (validated against plainBytes); absent: the whole segment. */
  range?: { first: number; last: number };
}


interface ReadResult {
  buffer: Buffer;
  bytes: number;
  wanted: number;
}

export class ContentStream extends Readable {
  private readonly buffers: Array<Buffer | undefined> = [undefined, undefined];
  private turn = 0;
  private partIndex = -1;
  private reader: BlobReader | undefined;
  private opener: EnvelopeOpener | undefined;
  /** Next envelope byte to read, and the last one this part needs (inclusive). */
  private position = 0;
  private end = -1;
  private inFlight: Promise<ReadResult> | undefined;
  private pumping = false;
  private readonly out: Buffer[] = [];

  /**
   * `readBytes`: ciphertext per read, a whole number of the writer's packages (the first read of a
   * whole envelope also takes its header, so later reads stay aligned and no package is copied; an
   * envelope with another package size reads as well, one split package copied per read).
   */
  constructor(
    private readonly parts: ContentPart[],
    private readonly readBytes: number,
    /** Maps lower-layer errors (integrity, storage) to what the stream is destroyed with. */
    private readonly translate: (error: unknown) => Error,
  ) {
    super({ highWaterMark: readBytes });
  }

  /** The read buffer of a turn, grown to `bytes` if needed (a 4 KiB object reads 4 KiB, not 1 MiB). */
  private buffer(turn: number, bytes: number): Buffer {
    const existing = this.buffers[turn];
    if (existing && existing.length >= bytes) return existing;
    return (this.buffers[turn] = Buffer.allocUnsafe(bytes));
  }

  override _read(): void {
    void this.pump();
  }

  /** Starts the next read into the buffer not being decrypted, or returns undefined at a part's end. */
  private nextRead(): Promise<ReadResult> | undefined {
    if (this.position > this.end || !this.reader) return undefined;
    const wanted = Math.min(this.end - this.position + 1, (this.position === 0 ? HEADER_BYTES : 0) + this.readBytes);
    const buffer = this.buffer(this.turn, wanted).subarray(0, wanted);
    this.turn ^= 1;
    const at = this.position;
    this.position += wanted;
    const reader = this.reader;
    return reader.read(buffer, at).then((bytes) => ({ buffer, bytes, wanted }));
  }

  /** Finishes the current part (its tags all verified) and opens the next; false when none is left. */
  private async advance(): Promise<boolean> {
    if (this.opener) {
      this.opener.final();
      this.opener = undefined;
      await this.reader?.close();
      this.reader = undefined;
    }
    const part = this.parts[++this.partIndex];
    if (!part) return false;
    const reader = await part.open();
    if (this.destroyed) {
      await reader.close();
      return false;
    }
    this.reader = reader;
    if (!part.range) {
      this.opener = createEnvelopeOpener(part.contentKey, { plainBytes: part.plainBytes });
      this.position = 0;
      this.end = part.cipherBytes - 1;
      return true;
    }
    // A range is planned with the envelope's own package size, so its header is read first.
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    this.inFlight = reader.read(header, 0).then((bytes) => ({ buffer: header, bytes, wanted: HEADER_BYTES }));
    const { bytes } = await this.inFlight;
    this.inFlight = undefined;
    if (this.destroyed) return false;
    if (bytes < HEADER_BYTES) throw new IntegrityError('envelope truncated');
    const plan = planRange(part.plainBytes, part.range.first, part.range.last, packageBytesOf(header));
    this.opener = createEnvelopeOpener(part.contentKey, { plainBytes: part.plainBytes, range: plan });
    this.opener.update(header, this.out);
    this.position = HEADER_BYTES + plan.cipherStart;
    this.end = HEADER_BYTES + plan.cipherEnd;
    return true;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        this.inFlight ??= this.nextRead();
        if (!this.inFlight) {
          if (this.destroyed) return;
          if (!(await this.advance())) {
            if (!this.destroyed) this.push(null);
            return;
          }
          continue;
        }
        const { buffer, bytes, wanted } = await this.inFlight;
        this.inFlight = undefined;
        if (this.destroyed) return;
        // A blob shorter than its record: what came is still opened, then advance() finds the
        // envelope truncated. Otherwise the other buffer is read while this one is decrypted.
        if (bytes < wanted) this.end = -1;
        else this.inFlight = this.nextRead();
        this.opener!.update(bytes < wanted ? buffer.subarray(0, bytes) : buffer, this.out);
        let wantsMore = true;
        for (const plain of this.out) wantsMore = this.push(plain);
        this.out.length = 0;
        if (!wantsMore) return;
      }
    } catch (e) {
      this.out.length = 0;
      this.destroy(this.translate(e));
    } finally {
      this.pumping = false;
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.opener?.wipe();
    this.opener = undefined;
    // A read still in flight must land before its file is closed (the descriptor could be reused).
    const inFlight = this.inFlight ?? Promise.resolve();
    const reader = this.reader;
    this.reader = undefined;
    inFlight
      .catch(() => undefined)
      .then(() => reader?.close())
      .then(
        () => callback(error),
        () => callback(error),
      );
  }
}

/**
 * The plaintext of `parts` as one buffer, every package verified before it returns: a small read
 * (a GET of a small object) then leaves in one write with its headers, with no stream between
 * blob and socket. Each envelope is read whole (callers keep this to small ones), a range's
 * packages are taken from it by the envelope's own package size. Lower-layer errors are thrown
 * as they are; the caller translates them.
 */
export async function readWhole(parts: ContentPart[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for (const part of parts) {
    const reader = await part.open();
    let opener: EnvelopeOpener | undefined;
    try {
      // A reader fills the buffer except where the blob ends.
      const envelope = Buffer.allocUnsafe(part.cipherBytes);
      const bytes = await reader.read(envelope, 0);
      const data = envelope.subarray(0, bytes);
      if (!part.range) {
        opener = createEnvelopeOpener(part.contentKey, { plainBytes: part.plainBytes });
        opener.update(data, out);
      } else {
        if (bytes < HEADER_BYTES) throw new IntegrityError('envelope truncated');
        const header = data.subarray(0, HEADER_BYTES);
        const plan = planRange(part.plainBytes, part.range.first, part.range.last, packageBytesOf(header));
        opener = createEnvelopeOpener(part.contentKey, { plainBytes: part.plainBytes, range: plan });
        opener.update(header, out);
        opener.update(data.subarray(HEADER_BYTES + plan.cipherStart, HEADER_BYTES + plan.cipherEnd + 1), out);
      }
      opener.final();
    } finally {
      opener?.wipe();
      await reader.close();
    }
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
