/**
 * GetServerMetrics (`GET /_obscura/metrics`, signed like any S3 call): the server's JSON with its
 * ISO dates turned into Dates, as the contract's ServerMetrics.
 */
import type { ApiResult, ServerMetrics } from './contract.js';
import { NO_CUSTOMER_KEY, resultOf } from './results.js';
import type { Transport } from './transport.js';

interface MetricsOnTheWire extends Omit<ServerMetrics, 'history'> {
  history: Array<{ at: string; requests: number; errors: number }>;
}

export function parseMetrics(json: string): ServerMetrics {
  const wire = JSON.parse(json) as MetricsOnTheWire;
  return { ...wire, history: wire.history.map((p) => ({ at: new Date(p.at), requests: p.requests, errors: p.errors })) };
}

export async function getMetrics(transport: Transport): Promise<ApiResult<ServerMetrics>> {
  const answer = await transport.exchange({ method: 'GET', bucket: '_obscura', key: 'metrics' });
  return resultOf(answer, NO_CUSTOMER_KEY, (a) => parseMetrics(a.text));
}
