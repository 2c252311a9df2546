/**
 * GetServerMetrics (`GET /_obscura/metrics`, the web console's dashboard): request counts and
 * rates from the server's counters, and the caller's objects and plaintext bytes per SSE mode,
 * summed over the buckets it owns. Answered as JSON (the console's ServerMetrics, dates as ISO
 * strings); authenticated like any request, and never about other users' buckets.
 */
import { fail } from '../errors/index.js';
import type { OperationContext } from './context.js';
import type { OperationResult } from './types.js';

export interface RequestTotals {
  total: number;
  errors4xx: number;
  errors5xx: number;
}

export interface HistoryPoint {
  /** Start of the time slot, ms since the epoch. */
  atMs: number;
  requests: number;
  /** 4xx and 5xx answers. */
  errors: number;
}

export interface RequestSnapshot {
  totals: RequestTotals;
  requestsPerSecond: number;
  errorsPerSecond: number;
  /** Oldest first. */
  history: HistoryPoint[];
}

/** What the server counts (server/request-history.ts). */
export interface RequestStats {
  readonly startedAtMs: number;
  snapshot(): RequestSnapshot;
}

/** Always reported, in this order, even when zero. */
const SSE_MODES = ['none', 'sse-s3', 'sse-kms', 'sse-c'];

interface ModeCount {
  mode: string;
  objects: number;
  bytes: number;
}

async function countCallerObjects(ctx: OperationContext, owner: string): Promise<ModeCount[]> {
  const byMode = new Map<string, ModeCount>(SSE_MODES.map((mode) => [mode, { mode, objects: 0, bytes: 0 }]));
  const buckets = (await ctx.metadata.listBuckets()).filter((b) => b.owner === owner);
  for (const bucket of buckets) {
    for (const row of await ctx.metadata.countObjects(bucket.name)) {
      const sum = byMode.get(row.mode) ?? { mode: row.mode, objects: 0, bytes: 0 };
      sum.objects += Number(row.objects);
      sum.bytes += Number(row.bytes);
      byMode.set(row.mode, sum);
    }
  }
  return [...byMode.values()];
}

export async function handleGetServerMetrics(ctx: OperationContext): Promise<OperationResult> {
  if (ctx.principal === undefined) throw fail('AccessDenied');
  if (!ctx.requestStats) throw fail('NotImplemented', 'This server does not count requests.');
  const snapshot = ctx.requestStats.snapshot();
  const metrics = {
    uptimeSeconds: Math.max(0, Math.floor((ctx.now() - ctx.requestStats.startedAtMs) / 1000)),
    requests: snapshot.totals,
    rates: { requestsPerSecond: snapshot.requestsPerSecond, errorsPerSecond: snapshot.errorsPerSecond },
    history: snapshot.history.map((p) => ({ at: new Date(p.atMs).toISOString(), requests: p.requests, errors: p.errors })),
    objectsByMode: await countCallerObjects(ctx, ctx.principal),
  };
  return {
    headers: { contentType: 'application/json', cacheControl: 'no-store' },
    body: Buffer.from(JSON.stringify(metrics), 'utf8'),
  };
}
