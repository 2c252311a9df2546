/** The benchmark's results: types, the printed table, target ratios, BENCHMARKS.md and an SVG chart. */
import { SERVER_NODE_FLAGS } from '../src/server/node-flags.js';

type Modes = Partial<Record<'none' | 'sse-c' | 'sse-kms', { putGBps: number; getGBps: number; putSamples?: number[]; getSamples?: number[] }>>;
/** `putCpuUs`/`getCpuUs`: the server main thread's CPU per request, µs (median of the slices). */
type SmallModes = Partial<Record<'none' | 'sse-c' | 'sse-kms', { putOps: number; putP99: number; putCpuUs?: number; getOps: number; getP99: number; getCpuUs?: number; putSamples?: number[]; getSamples?: number[] }>>;

export interface TargetResults {
  big: Modes;
  small: SmallModes;
  ranges?: { mode: string; startP50: number; startP99: number; endP50: number; endP99: number };
  multipart?: { mode: string; GBps: number };
  listSeconds?: number;
  server?: { peakRssMB: number; cpuSeconds: number; wallSeconds: number; peakRssByPhase?: Record<string, number> };
  /** Load client CPU (cores used) per scenario. */
  clientCpu: Record<string, number>;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  sizes: { bigMiB: number; smallOps: number; smallSlices?: number; multipartMiB: number; listKeys: number; rounds?: number; warmOps?: number };
  /** Medians; `samples` holds every round (every slice, for the 4 KiB scenarios). */
  limits: { gcmOneCore: number; streamPlain: number; streamGcm: number; uploadDiscard: number; diskFsync: number; samples?: Record<string, number[]> };
  targets: Record<string, TargetResults>;
}

const f2 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(2));
const f0 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(0));
const f1 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(1));

/** A 4 KiB cell: `ops (p99; µs)`, the µs only where they were measured. */
function smallCell(ops: number | undefined, p99: number | undefined, cpuUs: number | undefined): string {
  if (ops === undefined) return 'n/a';
  return `${f0(ops)} (${f1(p99)}${cpuUs === undefined ? '' : `; ${f0(cpuUs)}`})`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * a / b: the median of the round-by-round ratios where both were sampled in the same rounds (side
 * by side, so a VM that slows down for a minute slows both), else the ratio of the medians.
 */
export function pairedRatio(a: { median: number; samples?: number[] | undefined }, b: { median: number; samples?: number[] | undefined }): number {
  const as = a.samples;
  const bs = b.samples;
  if (!as || !bs || as.length === 0 || as.length !== bs.length) return a.median / b.median;
  return median(as.map((x, i) => x / bs[i]!));
}

interface Ratio {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

export function ratios(r: BenchResults): Ratio[] {
  const o = r.targets['obscura']!;
  const s = r.targets['s3rver'];
  const out: Ratio[] = [];
  /** A measured value against its target, '≥ x' or '≤ x'. */
  const at = (name: string, value: number, target: string): void => {
    const bound = Number(target.slice(2));
    out.push({ name, value, target, met: target.startsWith('≥') ? value >= bound : value <= bound });
  };
  const sc = o.big['sse-c']!;
  const put = (m: { putGBps: number; putSamples?: number[] }) => ({ median: m.putGBps, samples: m.putSamples });
  const get = (m: { getGBps: number; getSamples?: number[] }) => ({ median: m.getGBps, samples: m.getSamples });
  const limit = (name: 'streamGcm' | 'diskFsync') => ({ median: r.limits[name], samples: r.limits.samples?.[name] });
  at('GET SSE-C / GCM streaming limit', pairedRatio(get(sc), limit('streamGcm')), '≥ 0.8');
  if (s?.big.none) at('GET SSE-C / s3rver GET', pairedRatio(get(sc), get(s.big.none)), '≥ 2');
  at("PUT SSE-C / fsync'd disk write limit", pairedRatio(put(sc), limit('diskFsync')), '≥ 0.8');
  if (s?.big.none) at('PUT SSE-C / s3rver PUT', pairedRatio(put(sc), put(s.big.none)), '≥ 1.5');
  at('PUT SSE-C / PUT no SSE', pairedRatio(put(sc), put(o.big.none!)), '≥ 0.9');
  at('PUT SSE-KMS / PUT no SSE', pairedRatio(put(o.big['sse-kms']!), put(o.big.none!)), '≥ 0.9');
  if (o.ranges) {
    at('1 MiB range p50, end / start', o.ranges.endP50 / o.ranges.startP50, '≤ 1.2');
    at('1 MiB range p50 at the end, ms', o.ranges.endP50, '≤ 10');
  }
  for (const mode of ['sse-c', 'sse-kms'] as const) {
    for (const op of ['put', 'get'] as const) {
      const ops = (m: NonNullable<SmallModes['none']>) => ({ median: m[`${op}Ops`], samples: m[`${op}Samples`] });
      at(`4 KiB ${op.toUpperCase()} ops/s ${mode} / none`, pairedRatio(ops(o.small[mode]!), ops(o.small.none!)), '≥ 0.9');
      if (s?.small.none) at(`4 KiB ${op.toUpperCase()} ops/s ${mode} / s3rver`, pairedRatio(ops(o.small[mode]!), ops(s.small.none)), '≥ 2');
    }
  }
  at('server peak RSS, MB', o.server!.peakRssMB, '≤ 200');
  at(`listing ${r.sizes.listKeys} keys, s`, o.listSeconds!, '≤ 5');
  return out;
}

export function renderMarkdown(r: BenchResults, command: string): { table: string; ratios: string; document: string } {
  const rows: string[] = [];
  rows.push('| scenario | ' + Object.keys(r.targets).join(' | ') + ' |');
  rows.push('| --- | ' + Object.keys(r.targets).map(() => '---').join(' | ') + ' |');
  const targets = Object.values(r.targets);
  const row = (name: string, cell: (t: TargetResults) => string): void => void rows.push(`| ${name} | ${targets.map(cell).join(' | ')} |`);
  for (const mode of ['none', 'sse-c', 'sse-kms'] as const) {
    row(`PUT ${r.sizes.bigMiB} MiB, ${mode}, GB/s`, (t) => f2(t.big[mode]?.putGBps));
    row(`GET ${r.sizes.bigMiB} MiB, ${mode}, GB/s`, (t) => f2(t.big[mode]?.getGBps));
  }
  row('1 MiB range at start, p50 / p99 ms', (t) => (t.ranges ? `${f1(t.ranges.startP50)} / ${f1(t.ranges.startP99)} (${t.ranges.mode})` : 'n/a'));
  row('1 MiB range at end, p50 / p99 ms', (t) => (t.ranges ? `${f1(t.ranges.endP50)} / ${f1(t.ranges.endP99)} (${t.ranges.mode})` : 'n/a'));
  for (const mode of ['none', 'sse-c', 'sse-kms'] as const) {
    row(`4 KiB PUT, ${mode}, ops/s (p99 ms; server main thread µs per request)`, (t) => smallCell(t.small[mode]?.putOps, t.small[mode]?.putP99, t.small[mode]?.putCpuUs));
    row(`4 KiB GET, ${mode}, ops/s (p99 ms; server main thread µs per request)`, (t) => smallCell(t.small[mode]?.getOps, t.small[mode]?.getP99, t.small[mode]?.getCpuUs));
  }
  row(`multipart ${r.sizes.multipartMiB} MiB, 8 MiB parts × 4, GB/s`, (t) => (t.multipart ? `${f2(t.multipart.GBps)} (${t.multipart.mode})` : 'n/a'));
  row(`list ${r.sizes.listKeys} keys, s`, (t) => f2(t.listSeconds));
  row('server peak RSS, MB', (t) => f0(t.server?.peakRssMB));
  const phases = [...new Set(targets.flatMap((t) => Object.keys(t.server?.peakRssByPhase ?? {})))];
  for (const phase of phases) row(`… peak RSS during ${phase}, MB`, (t) => f0(t.server?.peakRssByPhase?.[phase]));
  row('server CPU s / wall s', (t) => (t.server ? `${f0(t.server.cpuSeconds)} / ${f0(t.server.wallSeconds)}` : 'n/a'));
  row('load client CPU (cores), max', (t) => f2(Math.max(...Object.values(t.clientCpu))));
  const limits = [
    '| machine limit | GB/s |',
    '| --- | --- |',
    `| AES-256-GCM, 64 KiB packages, one core | ${f2(r.limits.gcmOneCore)} |`,
    `| trivial Node server streaming through GCM (Obscura's package size) → client | ${f2(r.limits.streamGcm)} |`,
    `| trivial Node server streaming plain → client | ${f2(r.limits.streamPlain)} |`,
    `| client upload → discarding server | ${f2(r.limits.uploadDiscard)} |`,
    `| sequential disk write + fsync | ${f2(r.limits.diskFsync)} |`,
  ].join('\n');
  const rs = ratios(r);
  const ratioTable = ['| target | measured | wanted | met |', '| --- | --- | --- | --- |', ...rs.map((x) => `| ${x.name} | ${f2(x.value)} | ${x.target} | ${x.met ? 'yes' : '**no**'} |`)].join('\n');
  const table = `${limits}\n\n${rows.join('\n')}`;
  const document = [
    '# Benchmarks',
    '',
    `Produced by \`${command}\` on ${r.date.slice(0, 10)} (${r.quick ? 'quick run' : 'full run'}).`,
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, ${r.machine.platform}, Node ${r.machine.node}.`,
    'Everything on loopback: the load client (this process, its CPU share reported), Obscura as a child',
    `process started as \`npm start\` starts it (\`node ${SERVER_NODE_FLAGS.join(' ')}\`; \`--allow-insecure-sse\`, SQLite + local files, fsync on every write), and s3rver 3.7.1`,
    '(plain, unencrypted, no SSE) as a peer. Sizes: ' + `${r.sizes.bigMiB} MiB objects, ${r.sizes.smallOps} small objects per mode and round, ${r.sizes.multipartMiB} MiB multipart, ${r.sizes.listKeys} keys listed.`,
    ...(r.sizes.rounds
      ? [
          `Big transfers, machine limits and 4 KiB scenarios: ${r.sizes.rounds} rounds, the servers taking turns (each round of big transfers right after a round of the limits), the median shown (every sample is in the JSON); 4 KiB scenarios after ${r.sizes.warmOps} untimed PUTs and GETs per mode on each server.`,
          ...(r.sizes.smallSlices
            ? [
                `Each round's 4 KiB requests per mode go in ${r.sizes.smallSlices} slices, the modes taking turns slice by slice; every slice is a sample.`,
                'A target that compares two things measured in the same rounds (or slices) is the median of their round-by-round (slice-by-slice) ratios.',
              ]
            : ['A target that compares two things measured in the same rounds is the median of their round-by-round ratios.']),
        ]
      : []),
    '',
    '![throughput by mode](bench/results/throughput.svg)',
    '',
    '## Limits of this machine',
    '',
    limits,
    '',
    '## Results',
    '',
    rows.join('\n'),
    '',
    '## Targets (ratios measured in the same run)',
    '',
    ratioTable,
    '',
    '## Notes',
    '',
    '<!-- notes:start -->',
    '<!-- notes:end -->',
    '',
  ].join('\n');
  return { table, ratios: ratioTable, document };
}

export function renderSvg(r: BenchResults): string {
  const o = r.targets['obscura']!;
  const s = r.targets['s3rver'];
  const bars: Array<[string, number]> = [
    ['limit: GCM stream', r.limits.streamGcm],
    ['limit: disk+fsync', r.limits.diskFsync],
    ...(['none', 'sse-c', 'sse-kms'] as const).flatMap((m) => [[`Obscura PUT ${m}`, o.big[m]?.putGBps ?? 0], [`Obscura GET ${m}`, o.big[m]?.getGBps ?? 0]] as Array<[string, number]>),
    ...(s?.big.none ? ([['s3rver PUT', s.big.none.putGBps], ['s3rver GET', s.big.none.getGBps]] as Array<[string, number]>) : []),
  ];
  const max = Math.max(...bars.map(([, v]) => v), 0.1);
  const width = 640;
  const rowH = 24;
  const left = 170;
  const height = bars.length * rowH + 40;
  const items = bars
    .map(([label, v], i) => {
      const y = 30 + i * rowH;
      const w = ((width - left - 70) * v) / max;
      const color = label.startsWith('limit') ? '#999' : label.startsWith('s3rver') ? '#d98c3f' : '#3f7fd9';
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end" font-size="12">${label}</text><rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="16" fill="${color}"/><text x="${left + w + 6}" y="${y + 15}" font-size="12">${v.toFixed(2)} GB/s</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">\n<text x="10" y="18" font-size="14" font-weight="bold">Throughput of ${r.sizes.bigMiB} MiB objects by SSE mode (GB/s)</text>\n${items}\n</svg>\n`;
}
