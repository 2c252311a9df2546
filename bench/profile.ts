/**
 * `npm run bench:profile [-- --quick]`: where the server's time goes in the scenarios whose targets
 * BENCHMARKS.md reports missed. Each scenario runs against a fresh Obscura started with
 * `node --cpu-prof`; the profile it writes on exit becomes a flame graph
 * (`bench/results/flame-<scenario>.svg`), and `bench/results/profile.json` keeps the top self-time
 * frames, the main thread's and the other threads' CPU, and the throughput while profiled (the
 * profiler costs a few per cent). A diagnosis tool beside `npm run bench`, never a timed test.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOk, LoadClient, pool, ssecHeaders } from './client.js';
import { flameTree, renderFlameSvg, topSelf, type CpuProfile } from './flame.js';
import { repo, settle, startObscura, stop, threadCpuSeconds } from './proc.js';

const quick = process.argv.includes('--quick');
const MiB = 1024 * 1024;
const BIG = quick ? 256 * MiB : 1024 * MiB;
const BIG_ROUNDS = 2;
const SMALL_OPS = quick ? 1000 : 4000;
const SMALL_CONCURRENCY = 16;
/** Sampling interval, µs: 4 × V8's default, enough ticks for a 1 s transfer. */
const INTERVAL_US = 250;

const log = (s: string): void => void process.stderr.write(`[profile] ${s}\n`);

interface Scenario {
  name: string;
  title: string;
  /**
   * Runs on an unprofiled server first, against the same data directory, once the bucket exists
   * (e.g. the object a GET reads).
   */
  setup?: (client: LoadClient) => Promise<void>;
  /** The profiled work; returns the bytes or requests it moved, for the rate. */
  run: (client: LoadClient) => Promise<{ amount: number; unit: 'GB/s' | 'ops/s' }>;
}

const key = randomBytes(32);
const bucket = 'profile-bucket';

const SCENARIOS: Scenario[] = [
  {
    name: 'get-sse-c',
    title: `GET of a ${BIG / MiB} MiB SSE-C object, ${BIG_ROUNDS} times`,
    setup: async (client) => void (await expectOk(client.request('PUT', `/${bucket}/big`, { headers: ssecHeaders(key), body: BIG }), 'put big')),
    run: async (client) => {
      for (let i = 0; i < BIG_ROUNDS; i++) await expectOk(client.request('GET', `/${bucket}/big`, { headers: ssecHeaders(key) }), 'get big');
      return { amount: BIG * BIG_ROUNDS, unit: 'GB/s' };
    },
  },
  {
    name: 'put-sse-c',
    title: `PUT of ${BIG / MiB} MiB under SSE-C, ${BIG_ROUNDS} times`,
    run: async (client) => {
      for (let i = 0; i < BIG_ROUNDS; i++) await expectOk(client.request('PUT', `/${bucket}/big-${i}`, { headers: ssecHeaders(key), body: BIG }), 'put big');
      return { amount: BIG * BIG_ROUNDS, unit: 'GB/s' };
    },
  },
  {
    name: 'small-sse-c',
    title: `${SMALL_OPS} × 4 KiB SSE-C PUT, then GET, ${SMALL_CONCURRENCY} clients`,
    run: async (client) => {
      const body = randomBytes(4096);
      await pool(SMALL_OPS, SMALL_CONCURRENCY, (i) => expectOk(client.request('PUT', `/${bucket}/small/${i}`, { headers: ssecHeaders(key), body }), 'put small'));
      await pool(SMALL_OPS, SMALL_CONCURRENCY, (i) => expectOk(client.request('GET', `/${bucket}/small/${i}`, { headers: ssecHeaders(key) }), 'get small'));
      return { amount: 2 * SMALL_OPS, unit: 'ops/s' };
    },
  },
];

async function profileScenario(scenario: Scenario, work: string, outDir: string): Promise<Record<string, unknown>> {
  const dir = join(work, scenario.name);
  const profiles = join(dir, 'profiles');
  const plain = await startObscura(dir);
  const setupClient = new LoadClient(plain.target);
  await expectOk(setupClient.request('PUT', `/${bucket}`), 'create bucket');
  await scenario.setup?.(setupClient);
  setupClient.close();
  await stop(plain.child);
  log(`${scenario.name}: ${scenario.title}`);
  const server = await startObscura(dir, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, `--cpu-prof-interval=${INTERVAL_US}`]);
  const pid = server.child.pid!;
  const client = new LoadClient(server.target);
  await settle();
  const cpu0 = threadCpuSeconds(pid);
  const clientCpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const { amount, unit } = await scenario.run(client);
  const t1 = process.hrtime.bigint();
  const seconds = Number(t1 - t0) / 1e9;
  const clientCpu = process.cpuUsage(clientCpu0);
  const cpu = threadCpuSeconds(pid);
  client.close();
  await stop(server.child);
  const [file] = (await readdir(profiles)).filter((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`${scenario.name}: the server wrote no CPU profile`);
  // The scenario's own window: the server's start-up and shutdown are left out.
  const tree = flameTree(JSON.parse(await readFile(join(profiles, file), 'utf8')) as CpuProfile, { startUs: Number(t0 / 1000n), endUs: Number(t1 / 1000n) });
  await writeFile(join(outDir, `flame-${scenario.name}.svg`), renderFlameSvg(tree, `Obscura, ${scenario.title}`));
  const rate = unit === 'GB/s' ? amount / seconds / 1e9 : amount / seconds;
  const top = topSelf(tree, 12);
  const perUnit = unit === 'GB/s' ? amount / 2 ** 30 : amount / 1000;
  const result = {
    scenario: scenario.name,
    title: scenario.title,
    rate: Number(rate.toFixed(unit === 'GB/s' ? 3 : 0)),
    unit,
    /** Server CPU seconds per GiB (transfers) or per 1,000 requests. */
    cpuPer: unit === 'GB/s' ? 'GiB' : '1000 requests',
    mainThreadSeconds: Number(((cpu.main - cpu0.main) / perUnit).toFixed(3)),
    otherThreadsSeconds: Number(((cpu.others - cpu0.others) / perUnit).toFixed(3)),
    loadClientCores: Number(((clientCpu.user + clientCpu.system) / 1e6 / seconds).toFixed(2)),
    profiledBusyMs: Math.round(tree.totalUs / 1000),
    topSelf: top.map((t) => ({ frame: t.name, ms: Math.round(t.us / 1000), share: Number(t.share.toFixed(3)) })),
  };
  process.stdout.write(
    `\n${scenario.title}: ${result.rate} ${unit}; server CPU per ${result.cpuPer}: main thread ${result.mainThreadSeconds} s, other threads ${result.otherThreadsSeconds} s; load client ${result.loadClientCores} cores\n` +
      top.map((t) => `  ${(100 * t.share).toFixed(1).padStart(5)} %  ${t.name}`).join('\n') +
      '\n',
  );
  return result;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'obscura-profile-'));
  const outDir = join(repo, 'bench', 'results');
  await mkdir(outDir, { recursive: true });
  try {
    const results = [];
    for (const scenario of SCENARIOS) results.push(await profileScenario(scenario, work, outDir));
    await writeFile(join(outDir, 'profile.json'), JSON.stringify({ date: new Date().toISOString(), quick, intervalUs: INTERVAL_US, results }, null, 2) + '\n');
    log(`wrote bench/results/profile.json and ${SCENARIOS.map((s) => `flame-${s.name}.svg`).join(', ')}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`profile failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
