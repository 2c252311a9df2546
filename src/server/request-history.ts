/**
 * Request counts for the console's metrics: totals since start (all, 4xx, 5xx) and a ring buffer
 * of fixed time slots (10 s each, the last 10 minutes) holding requests and errors per slot. Old
 * slots are overwritten, never shifted, so recording is O(1) and memory is fixed. The clock is
 * injected so tests can move time. Holds counts only: no paths, names or keys.
 */
import type { HistoryPoint, RequestSnapshot, RequestStats, RequestTotals } from '../operations/server-metrics.js';

export interface RequestHistoryOptions {
  now?: () => number;
  slotMs?: number;
  slots?: number;
  rateWindowMs?: number;
}

export class RequestHistory implements RequestStats {
  readonly startedAtMs: number;
  private readonly now: () => number;
  private readonly slotMs: number;
  private readonly rateWindowMs: number;
  /** Slot number (time / slotMs) each ring position currently counts, -1 when unused. */
  private readonly slotOf: number[];
  private readonly requests: number[];
  private readonly errors: number[];
  private readonly totals: RequestTotals = { total: 0, errors4xx: 0, errors5xx: 0 };

  constructor(options: RequestHistoryOptions = {}) {
    this.now = options.now ?? Date.now;
    this.slotMs = options.slotMs ?? 10_000;
    const slots = options.slots ?? 60;
    this.rateWindowMs = options.rateWindowMs ?? 60_000;
    this.slotOf = new Array<number>(slots).fill(-1);
    this.requests = new Array<number>(slots).fill(0);
    this.errors = new Array<number>(slots).fill(0);
    this.startedAtMs = this.now();
  }

  /** Counts one answered request by its HTTP status. */
  record(status: number): void {
    const isError = status >= 400;
    this.totals.total++;
    if (status >= 500) this.totals.errors5xx++;
    else if (isError) this.totals.errors4xx++;
    const position = this.positionFor(Math.floor(this.now() / this.slotMs));
    this.requests[position]!++;
    if (isError) this.errors[position]!++;
  }

  snapshot(): RequestSnapshot {
    const nowMs = this.now();
    const current = Math.floor(nowMs / this.slotMs);
    const history: HistoryPoint[] = [];
    for (let slot = current - this.slotOf.length + 1; slot <= current; slot++) history.push(this.pointAt(slot));
    const windowStartMs = Math.max(nowMs - this.rateWindowMs, this.startedAtMs);
    const inWindow = history.filter((p) => p.atMs + this.slotMs > windowStartMs);
    // The counted slots span from the first one's start (or the server's start, if later) to now.
    const countedSinceMs = Math.max(inWindow[0]?.atMs ?? nowMs, this.startedAtMs);
    const seconds = Math.max((nowMs - countedSinceMs) / 1000, 1);
    const sum = (pick: (p: HistoryPoint) => number): number => inWindow.reduce((n, p) => n + pick(p), 0);
    return {
      totals: { ...this.totals },
      requestsPerSecond: sum((p) => p.requests) / seconds,
      errorsPerSecond: sum((p) => p.errors) / seconds,
      history,
    };
  }

  /** The ring position of a slot, cleared first when it still holds an older slot. */
  private positionFor(slot: number): number {
    const position = slot % this.slotOf.length;
    if (this.slotOf[position] !== slot) {
      this.slotOf[position] = slot;
      this.requests[position] = 0;
      this.errors[position] = 0;
    }
    return position;
  }

  private pointAt(slot: number): HistoryPoint {
    const position = slot % this.slotOf.length;
    const isCounted = this.slotOf[position] === slot;
    return { atMs: slot * this.slotMs, requests: isCounted ? this.requests[position]! : 0, errors: isCounted ? this.errors[position]! : 0 };
  }
}
