/**
 * `npm run bench [-- --quick]`: measures this machine's limits and Obscura against them and
 * against s3rver (a plain, unencrypted Node S3 server), in one run, on free loopback ports with
 * temp directories. Prints a table and the target ratios, writes JSON, and (full run) rewrites
 * BENCHMARKS.md with an SVG chart. A benchmark, never a timed test.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectOk, LoadClient, percentile, pool, ssecHeaders, type Target } from './client.js';
import { cpuSeconds, memory, repo, startChild, startObscura, stop, takePeakRss } from './proc.js';
import { renderMarkdown, renderSvg, type BenchResults } from './report.js';

const quick = process.argv.includes('--quick');
const here = fileURLToPath(new URL('.', import.meta.url));
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BIG = quick ? 256 * MiB : GiB;
const RANGE_REQUESTS = 50;
const SMALL_OPS = quick ? 800 : 4000;
const SMALL_CONCURRENCY = 16;
const MULTIPART = quick ? 64 * MiB : 256 * MiB;
const LIST_KEYS = quick ? 10_000 : 100_000;
/**
 * Big transfers and the machine probes run this many times and report the median: on this VM the
 * same 1 GiB write costs the kernel 0.3 to 2.7 s of system time from one run to the next (page
 * cache pages that the host must back anew), so a single sample says more about the VM than the code.
 */
const ROUNDS = quick ? 2 : 3;
/** Untimed 4 KiB requests per mode before the timed ones, for each server: the JIT warms up first. */
const WARM_OPS = quick ? 400 : 1000;

const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);

function gbps(bytes: number, ms: number): number {
  return bytes / (ms / 1000) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `probe` ROUNDS times (after a sync each) and returns the median and every sample. */
async function rounds(probe: (round: number) => Promise<number>): Promise<{ median: number; samples: number[] }> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    quiesce();
    samples.push(await probe(round));
  }
  return { median: median(samples), samples };
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

async function limits(work: string): Promise<BenchResults['limits']> {
  log('machine limits');
  const key = randomBytes(32);
  const block = randomBytes(64 * 1024);
  const nonce = Buffer.alloc(12);
  const gcm = await rounds(async () => {
    const t0 = process.hrtime.bigint();
    for (let done = 0, i = 0; done < BIG; done += block.length, i++) {
      nonce.writeUInt32BE(i, 7);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      c.update(block);
      c.final();
      c.getAuthTag();
    }
    return gbps(BIG, Number(process.hrtime.bigint() - t0) / 1e6);
  });
  const peer = join(here, 'peers.js');
  const streamed: Record<string, { median: number; samples: number[] }> = {};
  for (const kind of ['stream-plain', 'stream-gcm', 'discard'] as const) {
    const { child, match } = await startChild([peer, kind, '0'], /listening (\d+)/);
    const client = new LoadClient({ name: kind, port: Number(match[1]), accessKey: 'x', secretKey: 'y' });
    streamed[kind] = await rounds(async () => {
      const r = await measure(() => (kind === 'discard' ? client.request('PUT', '/x', { body: BIG }) : client.request('GET', `/x?bytes=${BIG}`)));
      return gbps(BIG, r.ms);
    });
    client.close();
    await stop(child);
  }
  const chunk = randomBytes(MiB);
  const disk = await rounds(async (round) => {
    const file = join(work, `disk-limit-${round}.bin`);
    const fh = await open(file, 'w');
    const d0 = process.hrtime.bigint();
    for (let done = 0; done < BIG; done += chunk.length) await fh.write(chunk);
    await fh.sync();
    const value = gbps(BIG, Number(process.hrtime.bigint() - d0) / 1e6);
    await fh.close();
    await rm(file, { force: true });
    return value;
  });
  return {
    gcmOneCore: gcm.median,
    streamPlain: streamed['stream-plain']!.median,
    streamGcm: streamed['stream-gcm']!.median,
    uploadDiscard: streamed['discard']!.median,
    diskFsync: disk.median,
    samples: { gcmOneCore: gcm.samples, streamPlain: streamed['stream-plain']!.samples, streamGcm: streamed['stream-gcm']!.samples, uploadDiscard: streamed['discard']!.samples, diskFsync: disk.samples },
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

async function scenarios(target: Target, modes: Mode[], pid: number): Promise<BenchResults['targets'][string]> {
  const client = new LoadClient(target);
  const key = randomBytes(32);
  const bucket = `bench-${randomBytes(3).toString('hex')}`;
  await expectOk(client.request('PUT', `/${bucket}`), 'create bucket');
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  const result: BenchResults['targets'][string] = { big: {}, small: {}, clientCpu: {} };
  const rss = phasePeaks(pid);
  rss.after('start');
  for (const mode of modes) {
    log(`${target.name}: ${ROUNDS} objects of ${BIG / MiB} MiB, ${mode} (median of ${ROUNDS})`);
    const puts: number[] = [];
    const gets: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      quiesce();
      rss.before();
      const name = `/${bucket}/big-${mode}${round === 0 ? '' : `-${round}`}`;
      const put = await measure(() => expectOk(client.request('PUT', name, { headers: modeHeaders(mode, key), body: BIG }), 'put big'));
      rss.after('big PUT');
      const get = await measure(() => expectOk(client.request('GET', name, { headers: readHeaders(mode, key) }), 'get big'));
      rss.after('big GET');
      if (get.value.bytes !== BIG) throw new Error(`GET returned ${get.value.bytes} bytes`);
      puts.push(gbps(BIG, put.ms));
      gets.push(gbps(BIG, get.ms));
      result.clientCpu[`put-${mode}`] = Math.max(result.clientCpu[`put-${mode}`] ?? 0, put.clientCpu);
      result.clientCpu[`get-${mode}`] = Math.max(result.clientCpu[`get-${mode}`] ?? 0, get.clientCpu);
      // Only the first object stays (the ranges read it): the disk holds one GiB per mode, not three.
      if (round > 0) await expectOk(client.request('DELETE', name), 'delete big');
    }
    result.big[mode] = { putGBps: median(puts), getGBps: median(gets), putSamples: puts, getSamples: gets };
  }
  const rangeMode: Mode = modes.includes('sse-c') ? 'sse-c' : 'none';
  log(`${target.name}: ${RANGE_REQUESTS} 1 MiB ranges at the start and at the end (${rangeMode})`);
  const ranges: Record<string, number[]> = { start: [], end: [] };
  quiesce();
  rss.before();
  for (const where of ['start', 'end'] as const) {
    for (let i = 0; i < RANGE_REQUESTS; i++) {
      const first = where === 'start' ? 0 : BIG - MiB;
      const r = await expectOk(client.request('GET', `/${bucket}/big-${rangeMode}`, { headers: { ...readHeaders(rangeMode, key), range: `bytes=${first}-${first + MiB - 1}` } }), 'range');
      if (r.bytes !== MiB) throw new Error(`range returned ${r.bytes} bytes`);
      ranges[where]!.push(r.ms);
    }
  }
  rss.after('ranges');
  result.ranges = { mode: rangeMode, startP50: percentile(ranges['start']!, 50), startP99: percentile(ranges['start']!, 99), endP50: percentile(ranges['end']!, 50), endP99: percentile(ranges['end']!, 99) };
  const small = randomBytes(4096);
  log(`${target.name}: ${WARM_OPS} untimed 4 KiB PUTs and GETs per mode (warm-up)`);
  for (const mode of modes) {
    await pool(WARM_OPS, SMALL_CONCURRENCY, (i) => expectOk(client.request('PUT', `/${bucket}/warm-${mode}/${i}`, { headers: modeHeaders(mode, key), body: small }), 'warm put'));
    await pool(WARM_OPS, SMALL_CONCURRENCY, (i) => expectOk(client.request('GET', `/${bucket}/warm-${mode}/${i}`, { headers: readHeaders(mode, key) }), 'warm get'));
  }
  for (const mode of modes) {
    log(`${target.name}: ${SMALL_OPS} × 4 KiB, ${SMALL_CONCURRENCY} clients, ${mode}`);
    quiesce();
    rss.before();
    const puts = await measure(() => pool(SMALL_OPS, SMALL_CONCURRENCY, (i) => expectOk(client.request('PUT', `/${bucket}/small-${mode}/${i}`, { headers: modeHeaders(mode, key), body: small }), 'put small')));
    const gets = await measure(() => pool(SMALL_OPS, SMALL_CONCURRENCY, (i) => expectOk(client.request('GET', `/${bucket}/small-${mode}/${i}`, { headers: readHeaders(mode, key) }), 'get small')));
    rss.after('4 KiB PUT+GET');
    result.small[mode] = {
      putOps: SMALL_OPS / (puts.ms / 1000),
      putP99: percentile(puts.value.map((r) => r.ms), 99),
      getOps: SMALL_OPS / (gets.ms / 1000),
      getP99: percentile(gets.value.map((r) => r.ms), 99),
    };
    result.clientCpu[`small-${mode}`] = (puts.clientCpu + gets.clientCpu) / 2;
  }
  const mpMode: Mode = modes.includes('sse-c') ? 'sse-c' : 'none';
  log(`${target.name}: ${MULTIPART / MiB} MiB multipart in 8 MiB parts, 4 in flight (${mpMode})`);
  quiesce();
  rss.before();
  const mp = await measure(async () => {
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
  result.multipart = { mode: mpMode, GBps: gbps(MULTIPART, mp.ms) };
  log(`${target.name}: listing ${LIST_KEYS} keys in pages of 1,000`);
  const listBucket = `${bucket}-list`;
  await expectOk(client.request('PUT', `/${listBucket}`), 'create list bucket');
  rss.before();
  await pool(LIST_KEYS, 64, (i) => expectOk(client.request('PUT', `/${listBucket}/k/${String(i).padStart(7, '0')}`, { body: Buffer.alloc(0) }), 'put key'));
  rss.after(`${LIST_KEYS} empty PUTs, 64 clients`);
  quiesce();
  rss.before();
  const listing = await measure(async () => {
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
  result.listSeconds = listing.ms / 1000;
  const elapsed = (Date.now() - t0) / 1000;
  result.server = { peakRssMB: Math.max(...Object.values(rss.peaks), memory(pid).peakRss / MiB), cpuSeconds: cpuSeconds(pid) - cpu0, wallSeconds: elapsed, peakRssByPhase: rss.peaks };
  client.close();
  return result;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'obscura-bench-'));
  try {
    const results: BenchResults = {
      date: new Date().toISOString(),
      quick,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGiB: Math.round(os.totalmem() / GiB), node: process.version, platform: `${os.type()} ${os.release()}` },
      sizes: { bigMiB: BIG / MiB, smallOps: SMALL_OPS, multipartMiB: MULTIPART / MiB, listKeys: LIST_KEYS, rounds: ROUNDS, warmOps: WARM_OPS },
      limits: await limits(work),
      targets: {},
    };
    const obscura = await startObscura(work);
    results.targets['obscura'] = await scenarios(obscura.target, ['none', 'sse-c', 'sse-kms'], obscura.child.pid!);
    await stop(obscura.child);
    await mkdir(join(work, 's3rver'), { recursive: true });
    const peer = await startChild([join(here, 'peers.js'), 's3rver', '0', join(work, 's3rver')], /listening (\d+)/);
    results.targets['s3rver'] = await scenarios({ name: 's3rver', port: Number(peer.match[1]), accessKey: 'S3RVER', secretKey: 'S3RVER' }, ['none'], peer.child.pid!);
    await stop(peer.child);
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
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
