/**
 * Dashboard: objects and bytes by encryption mode (cards and bar charts), request and error rates,
 * and a sparkline of the last 10 minutes from the server's metrics. Refreshes every 10 s while
 * the page is visible.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ServerMetrics } from '../../api/contract.js';
import { BarChart, Sparkline } from '../parts/charts.js';
import { modeName } from '../parts/encryption-badge.js';
import { ErrorText, Loading } from '../parts/messages.js';
import { ScreenHeading } from '../parts/screen-heading.js';
import { formatBytes, formatCount, formatDuration, formatRate, plural } from '../format.js';
import { useLoad, useVisibleInterval } from '../hooks.js';
import { useServices } from '../services.js';

const MODES = ['none', 'sse-s3', 'sse-kms', 'sse-c'] as const;
const REFRESH_MS = 10_000;

export function DashboardScreen() {
  const { api } = useServices();
  const metrics = useLoad(() => api.metrics(), []);
  useVisibleInterval(metrics.reload, REFRESH_MS);
  const [updatedAt, setUpdatedAt] = useState<Date | undefined>(undefined);
  useEffect(() => {
    if (metrics.data) setUpdatedAt(new Date());
  }, [metrics.data]);

  return (
    <>
      <ScreenHeading title="Dashboard" />
      <div class="toolbar">
        <button type="button" class="button" onClick={metrics.reload}>
          Refresh
        </button>
        <span class="hint">{updatedAt ? `Updated ${updatedAt.toLocaleTimeString('en-GB')}; refreshes every 10 seconds.` : 'Refreshes every 10 seconds.'}</span>
      </div>
      <ErrorText text={metrics.error} />
      {metrics.data ? <Metrics metrics={metrics.data} /> : !metrics.error && <Loading what="metrics" />}
    </>
  );
}

function Metrics({ metrics }: { metrics: ServerMetrics }) {
  const byMode = MODES.map((mode) => metrics.objectsByMode.find((m) => m.mode === mode) ?? { mode, objects: 0, bytes: 0 });
  const totalObjects = byMode.reduce((n, m) => n + m.objects, 0);
  const totalBytes = byMode.reduce((n, m) => n + m.bytes, 0);
  const { total, errors4xx, errors5xx } = metrics.requests;
  const errorShare = total > 0 ? ((errors4xx + errors5xx) / total) * 100 : 0;
  return (
    <>
      <section aria-labelledby="dash-objects" class="section">
        <h2 id="dash-objects">Objects by encryption</h2>
        <ul class="cards" aria-label="Objects by encryption mode">
          {byMode.map((m) => (
            <li class={`card card-${m.mode}`} key={m.mode}>
              <span class="card-label">{modeName(m.mode)}</span>
              <span class="card-value">{plural(m.objects, 'object')}</span>
              <span class="card-sub">{formatBytes(m.bytes)}</span>
            </li>
          ))}
          <li class="card card-total">
            <span class="card-label">All modes</span>
            <span class="card-value">{plural(totalObjects, 'object')}</span>
            <span class="card-sub">{formatBytes(totalBytes)}</span>
          </li>
        </ul>
        <div class="charts">
          <figure class="figure">
            <figcaption>Objects</figcaption>
            <BarChart title="Objects by encryption mode" bars={byMode.map((m) => ({ label: modeName(m.mode), value: m.objects, text: formatCount(m.objects), tone: `tone-${m.mode}` }))} />
          </figure>
          <figure class="figure">
            <figcaption>Stored bytes</figcaption>
            <BarChart title="Stored bytes by encryption mode" bars={byMode.map((m) => ({ label: modeName(m.mode), value: m.bytes, text: formatBytes(m.bytes), tone: `tone-${m.mode}` }))} />
          </figure>
        </div>
      </section>
      <section aria-labelledby="dash-requests" class="section">
        <h2 id="dash-requests">Requests</h2>
        <ul class="cards" aria-label="Request statistics">
          <li class="card">
            <span class="card-label">Request rate</span>
            <span class="card-value">{formatRate(metrics.rates.requestsPerSecond)} / s</span>
            <span class="card-sub">average over the last minute</span>
          </li>
          <li class="card">
            <span class="card-label">Error rate</span>
            <span class="card-value">{formatRate(metrics.rates.errorsPerSecond)} / s</span>
            <span class="card-sub">{errorShare.toFixed(1)}% of all requests failed</span>
          </li>
          <li class="card">
            <span class="card-label">Requests since start</span>
            <span class="card-value">{formatCount(total)}</span>
            <span class="card-sub">
              {formatCount(errors4xx)} client errors, {formatCount(errors5xx)} server errors
            </span>
          </li>
          <li class="card">
            <span class="card-label">Uptime</span>
            <span class="card-value">{formatDuration(metrics.uptimeSeconds)}</span>
          </li>
        </ul>
        <History history={metrics.history} />
      </section>
    </>
  );
}

function History({ history }: { history: ServerMetrics['history'] }) {
  const requests = history.map((h) => h.requests);
  const errors = history.map((h) => h.errors);
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const summary = `Last 10 minutes: ${plural(sum(requests), 'request')} and ${plural(sum(errors), 'error')}, at most ${formatCount(Math.max(0, ...requests))} requests in 10 seconds.`;
  return (
    <figure class="figure">
      <figcaption>Last 10 minutes (one point per 10 seconds)</figcaption>
      <Sparkline
        summary={summary}
        series={[
          { label: 'Requests', values: requests, tone: 'tone-requests' },
          { label: 'Errors', values: errors, tone: 'tone-errors' },
        ]}
      />
      <p class="legend" aria-hidden="true">
        <span class="legend-item tone-requests">Requests</span> <span class="legend-item tone-errors">Errors</span>
      </p>
      <p class="hint">{summary}</p>
    </figure>
  );
}
