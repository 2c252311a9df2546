/** Process CPU time and memory from /proc (Linux), for the server under test and peers. */
import { readFileSync, writeFileSync } from 'node:fs';
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
