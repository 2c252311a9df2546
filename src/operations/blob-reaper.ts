/**
 * Deletes blobs that no version references any more, but never under a reader: readers pin the
 * locators of the version they serve, and a released blob is deleted only after a grace period
 * and once no reader pins it. A crash before deletion leaves an orphan, which the sweep at start
 * removes; so deletion here can be lazy without losing anything.
 */
import type { BlobStore } from '../storage/blob-store.js';
import type { Logger } from 'pino';

export class BlobReaper {
  private readonly pins = new Map<string, number>();
  private readonly waiting = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly blobs: BlobStore,
    private readonly log: Logger,
    /** Covers the gap between a reader loading a record and pinning its blobs. */
    private readonly graceMs = 2000,
  ) {}

  /** Pins locators while a reader streams them; call the returned function when done. */
  pin(locators: string[]): () => void {
    for (const l of locators) this.pins.set(l, (this.pins.get(l) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const l of locators) {
        const n = (this.pins.get(l) ?? 1) - 1;
        if (n <= 0) {
          this.pins.delete(l);
          if (this.waiting.has(l)) this.deleteNow(l);
        } else this.pins.set(l, n);
      }
    };
  }

  /** Schedules deletion of blobs no longer referenced, except those in `keep`. */
  release(locators: string[], keep: string[] = []): void {
    const kept = new Set(keep);
    const doomed = locators.filter((l) => !kept.has(l));
    if (doomed.length === 0) return;
    if (this.closed) return; // the orphan sweep at next start collects them
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const l of doomed) {
        if (this.pins.has(l)) this.waiting.add(l);
        else this.deleteNow(l);
      }
    }, this.graceMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Deletes without grace (an upload's parts that no reader can reach). */
  async releaseNow(locators: string[]): Promise<void> {
    await Promise.all(locators.map((l) => this.blobs.delete(l).catch((err: unknown) => this.log.warn({ err, locator: l }, 'blob delete failed; left for the orphan sweep'))));
  }

  /** Runs every pending deletion now (shutdown, tests). */
  async flush(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.closed = true;
  }

  private deleteNow(locator: string): void {
    this.waiting.delete(locator);
    this.blobs.delete(locator).catch((err: unknown) => this.log.warn({ err, locator }, 'blob delete failed; left for the orphan sweep'));
  }
}
