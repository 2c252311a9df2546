/**
 * Flame graphs from V8 CPU profiles (`node --cpu-prof`), for `npm run bench:profile`. Pure: a
 * profile in, a merged call tree, a self-time ranking and an SVG out; no I/O, no dependency.
 *
 * A profile is a tree of call-frame nodes and a list of samples (the node on top of the stack at
 * each tick) with the microseconds between ticks. A sample's time is the gap to the next tick
 * (the last one runs to the profile's end). Frames are merged by name along each path, so one
 * function called from two places is two boxes, as in Brendan Gregg's flame graphs.
 */

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The fields of V8's `.cpuprofile` JSON that the flame graph reads. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  /** Time with this frame on top of the stack, µs. */
  selfUs: number;
  /** Time with this frame anywhere on the stack, µs. */
  totalUs: number;
  children: Frame[];
}

/** V8's pseudo-frames: time outside JavaScript, named by V8 itself. */
const IDLE = '(idle)';

/** `function file:line`, the file relative to the project or node's own module name. */
export function frameName(callFrame: CpuProfileNode['callFrame']): string {
  const fn = callFrame.functionName || '(anonymous)';
  if (!callFrame.url) return fn;
  const url = callFrame.url.replace(/^file:\/\//, '');
  const inProject = /\/(dist\/(?:src|bench)\/.*)$/.exec(url)?.[1];
  const inModules = /\/node_modules\/(.*)$/.exec(url)?.[1];
  const file = inProject ?? inModules ?? url;
  return `${fn} ${file}:${callFrame.lineNumber + 1}`;
}

/**
 * The profile as one merged tree rooted at `all`, idle time left out (the root's `idleUs` says how
 * much there was). `window` (µs on the profile's clock, which on Linux is CLOCK_MONOTONIC, the
 * clock of `process.hrtime`) keeps only the ticks inside it, e.g. without the server's start-up.
 * Throws on a sample that names no node: a truncated or foreign file.
 */
export function flameTree(profile: CpuProfile, window: { startUs: number; endUs: number } = { startUs: -Infinity, endUs: Infinity }): Frame & { idleUs: number } {
  if (profile.samples.length !== profile.timeDeltas.length) throw new Error('cpu profile: samples and timeDeltas differ in length');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfById = new Map<number, number>();
  let at = profile.startTime;
  const stamps = profile.timeDeltas.map((d) => (at += d));
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    if (!byId.has(id)) throw new Error(`cpu profile: sample ${i} names unknown node ${id}`);
    if (stamps[i]! < window.startUs || stamps[i]! >= window.endUs) continue;
    const us = Math.max(0, Math.min(i + 1 < stamps.length ? stamps[i + 1]! : profile.endTime, window.endUs) - stamps[i]!);
    selfById.set(id, (selfById.get(id) ?? 0) + us);
  }
  const root: Frame & { idleUs: number } = { name: 'all', selfUs: 0, totalUs: 0, children: [], idleUs: 0 };
  for (const [id, us] of selfById) {
    const path: string[] = [];
    for (let n: number | undefined = id; n !== undefined; n = parentOf.get(n)) path.push(frameName(byId.get(n)!.callFrame));
    path.pop(); // V8's own "(root)" node: the tree's root stands for it
    path.reverse();
    if (path.length === 1 && path[0] === IDLE) {
      root.idleUs += us;
      continue;
    }
    let frame: Frame = root;
    frame.totalUs += us;
    for (const name of path) {
      let child = frame.children.find((c) => c.name === name);
      if (!child) frame.children.push((child = { name, selfUs: 0, totalUs: 0, children: [] }));
      child.totalUs += us;
      frame = child;
    }
    frame.selfUs += us;
  }
  const sort = (f: Frame): void => {
    f.children.sort((a, b) => b.totalUs - a.totalUs || (a.name < b.name ? -1 : 1));
    f.children.forEach(sort);
  };
  sort(root);
  return root;
}

/** The `count` frames with the most self time (summed over every place they occur), share of the busy time. */
export function topSelf(root: Frame, count: number): Array<{ name: string; us: number; share: number }> {
  const self = new Map<string, number>();
  const walk = (f: Frame): void => {
    if (f.selfUs > 0) self.set(f.name, (self.get(f.name) ?? 0) + f.selfUs);
    f.children.forEach(walk);
  };
  walk(root);
  return [...self]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, count)
    .map(([name, us]) => ({ name, us, share: root.totalUs > 0 ? us / root.totalUs : 0 }));
}

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Warm colours for JavaScript, grey for V8's pseudo-frames, stable per name. */
function colourOf(name: string): string {
  if (name.startsWith('(')) return '#b8b8b8';
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const project = / dist\/(src|bench)\//.test(name);
  return project ? `hsl(${20 + (h % 30)}, 85%, ${55 + (h % 15)}%)` : `hsl(${45 + (h % 15)}, 80%, ${55 + (h % 15)}%)`;
}

const WIDTH = 1200;
const ROW = 16;
const CHAR = 6.6;

/**
 * A classic flame graph (the root at the bottom, callers below callees, width ∝ time), each box
 * with a tooltip. Frames narrower than `minShare` of the whole are dropped to keep the file small.
 */
export function renderFlameSvg(root: Frame & { idleUs?: number }, title: string, minShare = 0.002): string {
  const shown = (f: Frame): boolean => root.totalUs > 0 && f.totalUs > 0 && f.totalUs >= root.totalUs * minShare;
  const depthOf = (f: Frame): number => (shown(f) ? 1 + Math.max(0, ...f.children.map(depthOf)) : 0);
  const depth = depthOf(root);
  const top = 40;
  const height = top + depth * ROW + 10;
  const boxes: string[] = [];
  const place = (f: Frame, x: number, level: number): void => {
    if (!shown(f)) return;
    const w = (f.totalUs / root.totalUs) * WIDTH;
    const y = top + (depth - 1 - level) * ROW;
    const share = ((100 * f.totalUs) / root.totalUs).toFixed(1);
    const label = w > 4 * CHAR ? f.name.slice(0, Math.floor(w / CHAR) - 1) : '';
    boxes.push(
      `<g><title>${escapeXml(f.name)}: ${(f.totalUs / 1000).toFixed(1)} ms, ${share} % (self ${(f.selfUs / 1000).toFixed(1)} ms)</title>` +
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${colourOf(f.name)}"/>` +
        (label ? `<text x="${(x + 3).toFixed(1)}" y="${y + ROW - 4}">${escapeXml(label)}</text>` : '') +
        '</g>',
    );
    let cx = x;
    for (const c of f.children) {
      place(c, cx, level + 1);
      cx += (c.totalUs / root.totalUs) * WIDTH;
    }
  };
  place(root, 0, 0);
  const body = boxes.join('\n');
  const idle = root.idleUs ? `, idle ${(root.idleUs / 1000).toFixed(0)} ms left out` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="monospace" font-size="11">\n` +
    `<text x="4" y="16" font-size="14" font-family="sans-serif" font-weight="bold">${escapeXml(title)}</text>\n` +
    `<text x="4" y="32" font-family="sans-serif">main thread, ${(root.totalUs / 1000).toFixed(0)} ms busy${idle}; width ∝ time, callers below callees; hover a box for its time</text>\n` +
    `${body}\n</svg>\n`
  );
}
