/**
 * `npm run bench [-- --quick]`: measures this machine's limits and Obscura against them and
 * against s3rver (a plain, unencrypted Node S3 server), in one run, on free loopback ports with
 * temp directories. Prints a table and the target ratios, writes JSON, and (full run) rewrites
 * BENCHMARKS.md with an SVG chart. A benchmark, never a timed test.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectOk, LoadClient, percentile, pool, ssecHeaders, type Target } from './client.js';
import { cpuSeconds, memory, repo, settle, startChild, startObscura, stop, takePeakRss, threadCpuSeconds } from './proc.js';
import { median, renderMarkdown, renderSvg, type BenchResults, type TargetResults } from './report.js';

const quick = process.argv.includes('--quick');
const here = fileURLToPath(new URL('.', import.meta.url));
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BIG = quick ? 256 * MiB : GiB;
const RANGE_REQUESTS = 50;
const SMALL_OPS = quick ? 800 : 4000;
/**
 * Each round's 4 KiB requests per mode go in this many slices, the modes taking turns slice by
 * slice, and every slice is a sample: the mode-against-none ratios then pair slices seconds apart
 * instead of whole modes ~10 s apart. On this VM one mode's rate moves by ±25 % between such
 * slices on the same server and code (BENCHMARKS.md), more than the modes differ.
 */
const SMALL_SLICES = quick ? 2 : 4;
const SMALL_CONCURRENCY = 16;
const MULTIPART = quick ? 64 * MiB : 256 * MiB;
const LIST_KEYS = quick ? 10_000 : 100_000;
/**
 * Big transfers, the machine probes and the 4 KiB scenarios run this many rounds, the servers
 * taking turns, and report the median: on this VM the same 1 GiB write costs the kernel 0.3 to 2.7
 * s of system time from one minute to the next (page cache pages that the host must back anew),
 * so a single sample says more about the VM than the code.
 */
const ROUNDS = quick ? 2 : 3;
/** Untimed 4 KiB requests per mode before the timed ones, for each server: the JIT warms up first. */
const WARM_OPS = quick ? 400 : 1000;

const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);

function gbps(bytes: number, ms: number): number {
  return bytes / (ms / 1000) / 1e9;
}

/** Measures `fn` and the load client's CPU share during it. */
async function measure<T>(fn: () => Promise<T>): Promise<{ ms: number; clientCpu: number; value: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { ms, clientCpu: (cpu.user + cpu.system) / 1000 / ms, value };
}

/** The machine's limits, probed round by round beside the servers' big transfers (probeRound). */
interface Probes {
  peers: Record<StreamKind, { child: ChildProcess; client: LoadClient }>;
  samples: Record<'gcmOneCore' | 'streamPlain' | 'streamGcm' | 'uploadDiscard' | 'diskFsync', number[]>;
}

type StreamKind = 'stream-plain' | 'stream-gcm' | 'discard';

/** AES-256-GCM over 64 KiB packages on this thread, GB/s. */
function gcmOneCore(): number {
  const key = randomBytes(32);
  const block = randomBytes(64 * 1024);
  const nonce = Buffer.alloc(12);
  const t0 = process.hrtime.bigint();
  for (let done = 0, i = 0; done < BIG; done += block.length, i++) {
    nonce.writeUInt32BE(i, 7);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.update(block);
    c.final();
    c.getAuthTag();
  }
  return gbps(BIG, Number(process.hrtime.bigint() - t0) / 1e6);
}

async function startProbes(): Promise<Probes> {
  const peer = join(here, 'peers.js');
  const peers = {} as Probes['peers'];
  for (const kind of ['stream-plain', 'stream-gcm', 'discard'] as const) {
    const { child, match } = await startChild([peer, kind, '0'], /listening (\d+)/);
    peers[kind] = { child, client: new LoadClient({ name: kind, port: Number(match[1]), accessKey: 'x', secretKey: 'y' }) };
  }
  return { peers, samples: { gcmOneCore: [], streamPlain: [], streamGcm: [], uploadDiscard: [], diskFsync: [] } };
}

/** One sample of each limit (the trivial servers, the disk), taken just before a round of the servers' big transfers. */
async function probeRound(probes: Probes, work: string, round: number): Promise<void> {
  quiesce();
  probes.samples.gcmOneCore.push(gcmOneCore());
  const { peers, samples } = probes;
  samples.streamPlain.push(gbps(BIG, (await measure(() => peers['stream-plain'].client.request('GET', `/x?bytes=${BIG}`))).ms));
  samples.streamGcm.push(gbps(BIG, (await measure(() => peers['stream-gcm'].client.request('GET', `/x?bytes=${BIG}`))).ms));
  samples.uploadDiscard.push(gbps(BIG, (await measure(() => peers['discard'].client.request('PUT', '/x', { body: BIG }))).ms));
  quiesce();
  const chunk = randomBytes(MiB);
  const file = join(work, `disk-limit-${round}.bin`);
  const fh = await open(file, 'w');
  const d0 = process.hrtime.bigint();
  for (let done = 0; done < BIG; done += chunk.length) await fh.write(chunk);
  await fh.sync();
  samples.diskFsync.push(gbps(BIG, Number(process.hrtime.bigint() - d0) / 1e6));
  await fh.close();
  await rm(file, { force: true });
}

async function stopProbes(probes: Probes): Promise<BenchResults['limits']> {
  for (const { child, client } of Object.values(probes.peers)) {
    client.close();
    await stop(child);
  }
  const s = probes.samples;
  return {
    gcmOneCore: median(s.gcmOneCore),
    streamPlain: median(s.streamPlain),
    streamGcm: median(s.streamGcm),
    uploadDiscard: median(s.uploadDiscard),
    diskFsync: median(s.diskFsync),
    samples: { ...s },
  };
}

type Mode = 'none' | 'sse-c' | 'sse-kms';

function modeHeaders(mode: Mode, key: Buffer): Record<string, string> {
  if (mode === 'sse-c') return ssecHeaders(key);
  if (mode === 'sse-kms') return { 'x-amz-server-side-encryption': 'aws:kms' };
  return {};
}

function readHeaders(mode: Mode, key: Buffer): Record<string, string> {
  return mode === 'sse-c' ? ssecHeaders(key) : {};
}

/**
 * Each scenario starts with no write-back in flight from the one before (a 1 GiB object leaves up
 * to a GiB of dirty pages on an unsynced server like s3rver, and either server's next phase would
 * otherwise pay for the previous one's disk writes).
 */
function quiesce(): void {
  execFileSync('sync');
}

/** Peak RSS of the server by phase, MB: which scenario sets the overall peak. */
function phasePeaks(pid: number): { before: () => void; after: (phase: string) => void; peaks: Record<string, number> } {
  const peaks: Record<string, number> = {};
  return {
    peaks,
    before: () => void takePeakRss(pid),
    after: (phase) => {
      peaks[phase] = Math.max(peaks[phase] ?? 0, takePeakRss(pid) / MiB);
    },
  };
}

/** A server under test and what has been measured of it so far. */
interface Subject {
  target: Target;
  pid: number;
  modes: Mode[];
  client: LoadClient;
  key: Buffer;
  bucket: string;
  rss: ReturnType<typeof phasePeaks>;
  cpu0: number;
  /** Wall time of this server's own scenarios, ms (the servers take turns). */
  busyMs: number;
  big: Partial<Record<Mode, { puts: number[]; gets: number[] }>>;
  /** 4 KiB samples per slice: ops/s, every request's ms, the server main thread's CPU µs per request. */
  small: Partial<Record<Mode, { puts: number[]; gets: number[]; putMs: number[]; getMs: number[]; putCpuUs: number[]; getCpuUs: number[] }>>;
  result: TargetResults;
}

async function subject(target: Target, pid: number, modes: Mode[]): Promise<Subject> {
  const client = new LoadClient(target);
  const bucket = `bench-${randomBytes(3).toString('hex')}`;
  await expectOk(client.request('PUT', `/${bucket}`), 'create bucket');
  const s: Subject = { target, pid, modes, client, key: randomBytes(32), bucket, rss: phasePeaks(pid), cpu0: cpuSeconds(pid), busyMs: 0, big: {}, small: {}, result: { big: {}, small: {}, clientCpu: {} } };
  s.rss.after('start');
  return s;
}

/** Measures `fn` on `s`'s account (its busy time). */
async function timed<T>(s: Subject, fn: () => Promise<T>): Promise<{ ms: number; clientCpu: number; value: T }> {
  const m = await measure(fn);
  s.busyMs += m.ms;
  return m;
}

/** The modes in a different order each round, so none is always measured first or last. */
function modesOf(s: Subject, round: number): Mode[] {
  const at = round % s.modes.length;
  return [...s.modes.slice(at), ...s.modes.slice(0, at)];
}

/** One PUT and GET of a big object in each mode. */
async function bigRound(s: Subject, round: number): Promise<void> {
  const { client, bucket, key, rss, result } = s;
  for (const mode of modesOf(s, round)) {
    quiesce();
    rss.before();
    const name = `/${bucket}/big-${mode}${round === 0 ? '' : `-${round}`}`;
    const put = await timed(s, () => expectOk(client.request('PUT', name, { headers: modeHeaders(mode, key), body: BIG }), 'put big'));
    rss.after('big PUT');
    const get = await timed(s, () => expectOk(client.request('GET', name, { headers: readHeaders(mode, key) }), 'get big'));
    rss.after('big GET');
    if (get.value.bytes !== BIG) throw new Error(`GET returned ${get.value.bytes} bytes`);
    const samples = (s.big[mode] ??= { puts: [], gets: [] });
    samples.puts.push(gbps(BIG, put.ms));
    samples.gets.push(gbps(BIG, get.ms));
    result.clientCpu[`put-${mode}`] = Math.max(result.clientCpu[`put-${mode}`] ?? 0, put.clientCpu);
    result.clientCpu[`get-${mode}`] = Math.max(result.clientCpu[`get-${mode}`] ?? 0, get.clientCpu);
    // Only the first object stays (the ranges read it): the disk holds one GiB per mode, not three.
    if (round > 0) await expectOk(client.request('DELETE', name), 'delete big');
  }
}

async function rangesPhase(s: Subject): Promise<void> {
  const { client, bucket, key, rss } = s;
  const rangeMode: Mode = s.modes.includes('sse-c') ? 'sse-c' : 'none';
  log(`${s.target.name}: ${RANGE_REQUESTS} 1 MiB ranges at the start and at the end (${rangeMode})`);
  const ranges: Record<string, number[]> = { start: [], end: [] };
  quiesce();
  rss.before();
  await timed(s, async () => {
    for (const where of ['start', 'end'] as const) {
      for (let i = 0; i < RANGE_REQUESTS; i++) {
        const first = where === 'start' ? 0 : BIG - MiB;
        const r = await expectOk(client.request('GET', `/${bucket}/big-${rangeMode}`, { headers: { ...readHeaders(rangeMode, key), range: `bytes=${first}-${first + MiB - 1}` } }), 'range');
        if (r.bytes !== MiB) throw new Error(`range returned ${r.bytes} bytes`);
        ranges[where]!.push(r.ms);
      }
    }
  });
  rss.after('ranges');
  s.result.ranges = { mode: rangeMode, startP50: percentile(ranges['start']!, 50), startP99: percentile(ranges['start']!, 99), endP50: percentile(ranges['end']!, 50), endP99: percentile(ranges['end']!, 99) };
}

const SMALL = randomBytes(4096);

async function warmUp(s: Subject): Promise<void> {
  log(`${s.target.name}: ${WARM_OPS} untimed 4 KiB PUTs and GETs per mode (warm-up)`);
  const { client, bucket, key } = s;
  for (const mode of s.modes) {
    await pool(WARM_OPS, SMALL_CONCURRENCY, (i) => expectOk(client.request('PUT', `/${bucket}/warm-${mode}/${i}`, { headers: modeHeaders(mode, key), body: SMALL }), 'warm put'));
    await pool(WARM_OPS, SMALL_CONCURRENCY, (i) => expectOk(client.request('GET', `/${bucket}/warm-${mode}/${i}`, { headers: readHeaders(mode, key) }), 'warm get'));
  }
}

/**
 * SMALL_OPS 4 KiB PUTs, then as many GETs, at SMALL_CONCURRENCY clients, in each mode: the PUTs in
 * SMALL_SLICES slices, the modes taking turns, then the GETs of those slices in the same order.
 */
async function smallRound(s: Subject, round: number): Promise<void> {
  const { client, bucket, key, rss } = s;
  const modes = modesOf(s, round);
  const perSlice = SMALL_OPS / SMALL_SLICES;
  const prefix = (mode: Mode, slice: number): string => `/${bucket}/small-${mode}/${round}/${slice}`;
  const samplesOf = (mode: Mode) => (s.small[mode] ??= { puts: [], gets: [], putMs: [], getMs: [], putCpuUs: [], getCpuUs: [] });
  const clientCpu: Partial<Record<Mode, number[]>> = {};
  quiesce();
  rss.before();
  for (const op of ['PUT', 'GET'] as const) {
    for (let slice = 0; slice < SMALL_SLICES; slice++) {
      for (const mode of modes) {
        const headers = op === 'PUT' ? modeHeaders(mode, key) : readHeaders(mode, key);
        const mainBefore = threadCpuSeconds(s.pid).main;
        const run = await timed(s, () => pool(perSlice, SMALL_CONCURRENCY, (i) => expectOk(client.request(op, `${prefix(mode, slice)}/${i}`, op === 'PUT' ? { headers, body: SMALL } : { headers }), `${op} small`)));
        const mainUs = ((threadCpuSeconds(s.pid).main - mainBefore) / perSlice) * 1e6;
        const samples = samplesOf(mode);
        const into = op === 'PUT' ? { rates: samples.puts, ms: samples.putMs, cpuUs: samples.putCpuUs } : { rates: samples.gets, ms: samples.getMs, cpuUs: samples.getCpuUs };
        into.rates.push(perSlice / (run.ms / 1000));
        into.ms.push(...run.value.map((r) => r.ms));
        into.cpuUs.push(mainUs);
        (clientCpu[mode] ??= []).push(run.clientCpu);
      }
    }
  }
  rss.after('4 KiB PUT+GET');
  for (const mode of modes) {
    const cpu = clientCpu[mode]!;
    s.result.clientCpu[`small-${mode}`] = Math.max(s.result.clientCpu[`small-${mode}`] ?? 0, cpu.reduce((a, b) => a + b, 0) / cpu.length);
  }
}

async function multipartPhase(s: Subject): Promise<void> {
  const { client, bucket, key, rss } = s;
  const mpMode: Mode = s.modes.includes('sse-c') ? 'sse-c' : 'none';
  log(`${s.target.name}: ${MULTIPART / MiB} MiB multipart in 8 MiB parts, 4 in flight (${mpMode})`);
  quiesce();
  rss.before();
  const mp = await timed(s, async () => {
    const init = await expectOk(client.request('POST', `/${bucket}/multipart?uploads`, { headers: modeHeaders(mpMode, key), keepBody: true }), 'initiate');
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body ?? '')![1]!;
    const parts = MULTIPART / (8 * MiB);
    const etags = await pool(parts, 4, async (i) => {
      const r = await expectOk(client.request('PUT', `/${bucket}/multipart?partNumber=${i + 1}&uploadId=${encodeURIComponent(uploadId)}`, { headers: readHeaders(mpMode, key), body: 8 * MiB }), 'upload part');
      return r.etag ?? '';
    });
    const tags = etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`);
    await expectOk(client.request('POST', `/${bucket}/multipart?uploadId=${encodeURIComponent(uploadId)}`, { body: Buffer.from(`<CompleteMultipartUpload>${tags.join('')}</CompleteMultipartUpload>`), ...(mpMode === 'sse-c' ? { headers: ssecHeaders(key) } : {}) }), 'complete');
  });
  rss.after('multipart');
  s.result.multipart = { mode: mpMode, GBps: gbps(MULTIPART, mp.ms) };
}

async function listingPhase(s: Subject): Promise<void> {
  const { client, bucket, rss } = s;
  log(`${s.target.name}: listing ${LIST_KEYS} keys in pages of 1,000`);
  const listBucket = `${bucket}-list`;
  await expectOk(client.request('PUT', `/${listBucket}`), 'create list bucket');
  rss.before();
  await timed(s, () => pool(LIST_KEYS, 64, (i) => expectOk(client.request('PUT', `/${listBucket}/k/${String(i).padStart(7, '0')}`, { body: Buffer.alloc(0) }), 'put key')));
  rss.after(`${LIST_KEYS} empty PUTs, 64 clients`);
  quiesce();
  rss.before();
  const listing = await timed(s, async () => {
    let marker = '';
    let seen = 0;
    for (;;) {
      const page = await expectOk(client.request('GET', `/${listBucket}?max-keys=1000${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`, { keepBody: true }), 'list');
      const keys = [...(page.body ?? '').matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!);
      seen += keys.length;
      if (!/<IsTruncated>true<\/IsTruncated>/.test(page.body ?? '') || keys.length === 0) break;
      marker = keys[keys.length - 1]!;
    }
    return seen;
  });
  if (listing.value !== LIST_KEYS) throw new Error(`listed ${listing.value} of ${LIST_KEYS}`);
  rss.after('listing');
  s.result.listSeconds = listing.ms / 1000;
}

/** The medians of the rounds (every sample kept), the server's CPU and peak RSS. */
function finish(s: Subject): TargetResults {
  const { result } = s;
  for (const [mode, b] of Object.entries(s.big) as Array<[Mode, { puts: number[]; gets: number[] }]>) {
    result.big[mode] = { putGBps: median(b.puts), getGBps: median(b.gets), putSamples: b.puts, getSamples: b.gets };
  }
  for (const [mode, m] of Object.entries(s.small) as Array<[Mode, NonNullable<Subject['small'][Mode]>]>) {
    result.small[mode] = { putOps: median(m.puts), putP99: percentile(m.putMs, 99), putCpuUs: median(m.putCpuUs), getOps: median(m.gets), getP99: percentile(m.getMs, 99), getCpuUs: median(m.getCpuUs), putSamples: m.puts, getSamples: m.gets };
  }
  result.server = { peakRssMB: Math.max(...Object.values(s.rss.peaks), memory(s.pid).peakRss / MiB), cpuSeconds: cpuSeconds(s.pid) - s.cpu0, wallSeconds: s.busyMs / 1000, peakRssByPhase: s.rss.peaks };
  s.client.close();
  return result;
}

/**
 * Runs `fn` for every subject, round by round, the servers taking turns (and the first to go
 * alternating): what the VM does to one round (it moves a lot from minute to minute, page-cache
 * costs above all) it does to both servers alike, so their ratios are taken round by round.
 */
async function inTurns(subjects: Subject[], rounds: number, fn: (s: Subject, round: number) => Promise<void>, before?: (round: number) => Promise<void>): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await before?.(round);
    for (const s of round % 2 === 0 ? subjects : [...subjects].reverse()) await fn(s, round);
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'obscura-bench-'));
  const children: ChildProcess[] = [];
  try {
    log('starting the trivial servers, Obscura and s3rver');
    const probes = await startProbes();
    children.push(...Object.values(probes.peers).map((p) => p.child));
    const obscura = await startObscura(work);
    children.push(obscura.child);
    await mkdir(join(work, 's3rver'), { recursive: true });
    const peer = await startChild([join(here, 'peers.js'), 's3rver', '0', join(work, 's3rver')], /listening (\d+)/);
    children.push(peer.child);
    await settle();
    const subjects = [await subject(obscura.target, obscura.child.pid!, ['none', 'sse-c', 'sse-kms']), await subject({ name: 's3rver', port: Number(peer.match[1]), accessKey: 'S3RVER', secretKey: 'S3RVER' }, peer.child.pid!, ['none'])];
    log(`${ROUNDS} rounds of: the machine's limits, then ${BIG / MiB} MiB PUT and GET on each server in each of its modes`);
    await inTurns(subjects, ROUNDS, bigRound, async (round) => {
      log(`round ${round + 1} of ${ROUNDS}`);
      await probeRound(probes, work, round);
    });
    const limits = await stopProbes(probes);
    for (const s of subjects) await rangesPhase(s);
    for (const s of subjects) await warmUp(s);
    log(`${ROUNDS} rounds of ${SMALL_OPS} × 4 KiB PUTs then GETs per mode in ${SMALL_SLICES} slices, the modes taking turns, ${SMALL_CONCURRENCY} clients, on each server in turn`);
    await inTurns(subjects, ROUNDS, smallRound);
    for (const s of subjects) await multipartPhase(s);
    for (const s of subjects) await listingPhase(s);
    const results: BenchResults = {
      date: new Date().toISOString(),
      quick,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGiB: Math.round(os.totalmem() / GiB), node: process.version, platform: `${os.type()} ${os.release()}` },
      sizes: { bigMiB: BIG / MiB, smallOps: SMALL_OPS, smallSlices: SMALL_SLICES, multipartMiB: MULTIPART / MiB, listKeys: LIST_KEYS, rounds: ROUNDS, warmOps: WARM_OPS },
      limits,
      targets: Object.fromEntries(subjects.map((s) => [s.target.name, finish(s)])),
    };
    const md = renderMarkdown(results, `npm run bench${quick ? ' -- --quick' : ''}`);
    process.stdout.write(md.table + '\n\n' + md.ratios + '\n');
    const outDir = join(repo, 'bench', 'results');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, quick ? 'quick.json' : 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    if (!quick) {
      await writeFile(join(outDir, 'throughput.svg'), renderSvg(results));
      // The written analysis between the notes markers survives a new run.
      const previous = await readFile(join(repo, 'BENCHMARKS.md'), 'utf8').catch(() => '');
      const notes = /<!-- notes:start -->[\s\S]*?<!-- notes:end -->/.exec(previous)?.[0];
      await writeFile(join(repo, 'BENCHMARKS.md'), notes ? md.document.replace(/<!-- notes:start -->[\s\S]*?<!-- notes:end -->/, () => notes) : md.document);
      log('wrote BENCHMARKS.md, bench/results/latest.json and bench/results/throughput.svg');
    }
  } finally {
    for (const child of children) await stop(child);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
