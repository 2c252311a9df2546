/** A progress bar with rate and ETA on stderr when stdout is a terminal; silent otherwise. */
export interface ProgressBar {
  update(transferred: number, total: number): void;
  done(): void;
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function progressBar(label: string, enabled: boolean): ProgressBar {
  if (!enabled) return { update: () => undefined, done: () => undefined };
  const started = Date.now();
  let last = 0;
  return {
    update(transferred, total) {
      const now = Date.now();
      if (now - last < 100 && transferred < total) return;
      last = now;
      const seconds = Math.max(0.001, (now - started) / 1000);
      const rate = transferred / seconds;
      const fraction = total > 0 ? transferred / total : 1;
      const width = 24;
      const filled = Math.round(fraction * width);
      const eta = rate > 0 ? Math.max(0, (total - transferred) / rate) : 0;
      const etaText = `${String(Math.floor(eta / 60)).padStart(2, '0')}:${String(Math.floor(eta % 60)).padStart(2, '0')}`;
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${human(transferred)}/${human(total)} ${human(rate)}/s ETA ${etaText}`);
    },
    done() {
      process.stderr.write('\n');
    },
  };
}

export { human as humanBytes };
