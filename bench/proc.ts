/** The processes under test: starting and stopping them, and their CPU time and memory from /proc (Linux). */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS } from '../src/server/node-flags.js';
import type { Target } from './client.js';

let ticks = 100;
try {
  ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  ticks = 100;
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  return statSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** utime + stime of a /proc stat line, seconds. */
function statSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/** Peak resident set size (VmHWM) and current RSS, bytes. */
export function memory(pid: number): { peakRss: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { peakRss: kb('VmHWM'), rss: kb('VmRSS') };
}

/**
 * The peak RSS since the last call (or the start), then a new peak period: writing 5 to
 * /proc/<pid>/clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
 */
export function takePeakRss(pid: number): number {
  const peak = memory(pid).peakRss;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Without the reset the next phase reports the peak so far, which is still an upper bound.
  }
  return peak;
}

/** Starts `node ...args` and resolves once its output matches `ready` (the listening line). */
export async function startChild(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolveStart, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) resolveStart({ child, match: m });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${out}`)));
  });
}

/** SIGTERM, then resolves when the child has exited (at once if it already has, by a signal too). */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** The checkout the bench runs from (this file is dist/bench/proc.js). */
export const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/**
 * Obscura on the embedded default in `work` (SQLite + local files, fsync on every write) on a free
 * port, HTTP only, with a fresh secret, started as `npm start` starts it (SERVER_NODE_FLAGS);
 * `nodeArgs` go to node as well (e.g. --cpu-prof).
 */
export async function startObscura(work: string, nodeArgs: string[] = []): Promise<{ child: ChildProcess; target: Target }> {
  const accessKey = 'BENCHACCESSKEY000001';
  const secretKey = randomBytes(24).toString('base64url');
  const { child, match } = await startChild(
    [...SERVER_NODE_FLAGS, ...nodeArgs, join(repo, 'bin', 'obscura.js'), 'server', '--data-dir', join(work, 'data'), '--config-dir', join(work, 'config'), '--http-port', '0', '--https-port', '-1', '--access-key', accessKey, '--secret-key', secretKey, '--allow-insecure-sse', '--log-level', 'warn'],
    /obscura listening http=http:\/\/127\.0\.0\.1:(\d+)/,
  );
  return { child, target: { name: 'obscura', port: Number(match[1]), accessKey, secretKey } };
}

/**
 * Waits after a server starts, before anything is measured: a new Obscura makes its 4,096 blob
 * shard directories in the background (FsBlobStore.prepareShards; about 3 s on a fresh data dir
 * here), disk work that is no scenario's.
 */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 5000));
}

/**
 * CPU seconds of a process split into its main thread (the event loop) and every other thread
 * (V8's garbage-collection helpers and libuv's pool, which Node 20 does not name apart).
 */
export function threadCpuSeconds(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let seconds = 0;
    try {
      seconds = statSeconds(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
    } catch {
      continue; // a thread that ended between the listing and the read
    }
    if (Number(tid) === pid) main += seconds;
    else others += seconds;
  }
  return { main, others };
}
