/** Process CPU time and memory from /proc (Linux), for the server under test and peers. */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticks = 100;
try {
  ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  ticks = 100;
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/** Peak resident set size (VmHWM) and current RSS, bytes. */
export function memory(pid: number): { peakRss: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { peakRss: kb('VmHWM'), rss: kb('VmRSS') };
}
