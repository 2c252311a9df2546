/**
 * The benchmark's flame graphs (bench/flame.ts) on a hand-made V8 CPU profile whose times are
 * known: sample weights, merging by path, idle left out, the self-time ranking, the SVG's boxes
 * and widths, and profiles that must be refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flameTree, frameName, renderFlameSvg, topSelf, type CpuProfile, type Frame } from '../../../bench/flame.js';

const frame = (functionName: string, url = '', lineNumber = 0): { functionName: string; url: string; lineNumber: number } => ({ functionName, url, lineNumber });

/**
 * (root) ─┬─ main ─┬─ open (envelope.js) ── update
 *         │        └─ write ── open (the same function reached another way: its own box)
 *         ├─ (garbage collector)
 *         └─ (idle)
 */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 6, 7] },
    { id: 2, callFrame: frame('main', 'file:///srv/obscura/dist/src/server/run.js', 9), children: [3, 5] },
    { id: 3, callFrame: frame('open', 'file:///srv/obscura/dist/src/crypto/envelope.js', 319), children: [4] },
    { id: 4, callFrame: frame('update', 'node:internal/crypto/cipher', 150) },
    { id: 5, callFrame: frame('write', 'node:_http_outgoing', 800), children: [8] },
    { id: 6, callFrame: frame('(garbage collector)') },
    { id: 7, callFrame: frame('(idle)') },
    { id: 8, callFrame: frame('open', 'file:///srv/obscura/dist/src/crypto/envelope.js', 319) },
  ],
  startTime: 1_000,
  // Ticks at 1010, 1110, 1410, 1460, 1560, 2560, 2600; the last runs to endTime 2_700.
  samples: [4, 4, 3, 5, 7, 6, 8],
  timeDeltas: [10, 100, 300, 50, 100, 1000, 40],
  endTime: 2_700,
};

const find = (f: Frame, ...path: string[]): Frame => {
  let at = f;
  for (const name of path) {
    const next = at.children.find((c) => c.name.startsWith(name));
    assert.ok(next, `no frame ${name} under ${at.name}`);
    at = next;
  }
  return at;
};

test('flameTree: each sample weighs the gap to the next tick, merged by path, idle left out', () => {
  const tree = flameTree(PROFILE);
  assert.equal(find(tree, 'main', 'open', 'update').selfUs, 400);
  assert.equal(find(tree, 'main', 'open').selfUs, 50);
  assert.equal(find(tree, 'main', 'open').totalUs, 450);
  assert.equal(find(tree, 'main', 'write').selfUs, 100);
  assert.equal(find(tree, 'main', 'write', 'open').selfUs, 100, 'the last sample runs to endTime');
  assert.equal(find(tree, 'main', 'write').totalUs, 200);
  assert.equal(find(tree, 'main').totalUs, 650);
  assert.equal(find(tree, '(garbage collector)').totalUs, 40);
  assert.equal(tree.idleUs, 1000);
  assert.equal(tree.totalUs, 690, 'busy time: everything but idle');
  assert.ok(!tree.children.some((c) => c.name === '(idle)'));
  // Children come widest first.
  assert.deepEqual(tree.children.map((c) => c.name.split(' ')[0]), ['main', '(garbage']);
  assert.deepEqual(find(tree, 'main').children.map((c) => c.name.split(' ')[0]), ['open', 'write']);
});

test('flameTree with a window: only the ticks inside it, the last one cut at its end', () => {
  // Ticks 1110 (update), 1410 (open), 1460 (write) are inside; 1460's runs to the window's end.
  const tree = flameTree(PROFILE, { startUs: 1100, endUs: 1500 });
  assert.equal(find(tree, 'main', 'open', 'update').selfUs, 300);
  assert.equal(find(tree, 'main', 'open').selfUs, 50);
  assert.equal(find(tree, 'main', 'write').selfUs, 40);
  assert.equal(tree.totalUs, 390);
  assert.equal(tree.idleUs, 0);
  assert.ok(!tree.children.some((c) => c.name.startsWith('(garbage')));
});

test('frameName: project files relative to dist, node modules by module, V8 pseudo-frames bare', () => {
  assert.equal(frameName(PROFILE.nodes[2]!.callFrame), 'open dist/src/crypto/envelope.js:320');
  assert.equal(frameName(PROFILE.nodes[3]!.callFrame), 'update node:internal/crypto/cipher:151');
  assert.equal(frameName(frame('', 'file:///x/node_modules/better-sqlite3/lib/methods/wrappers.js', 4)), '(anonymous) better-sqlite3/lib/methods/wrappers.js:5');
  assert.equal(frameName(frame('(program)')), '(program)');
});

test('topSelf: self time summed over every place a frame occurs, as a share of busy time', () => {
  const top = topSelf(flameTree(PROFILE), 3);
  assert.deepEqual(
    top.map((t) => [t.name.split(' ')[0], t.us]),
    [
      ['update', 400],
      ['open', 150],
      ['write', 100],
    ],
  );
  assert.equal(top[0]!.share, 400 / 690);
});

test('renderFlameSvg: one box per frame wide enough, widths proportional to time, names escaped', () => {
  const tree = flameTree(PROFILE);
  const svg = renderFlameSvg(tree, 'GET <test> & more', 0);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /GET &#60;test&#62; &#38; more/);
  const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: Number(m[3]) }));
  // all, main, open, update, write, open (via write), GC.
  assert.equal(rects.length, 7);
  assert.equal(rects[0]!.w, 1200, 'the root spans the width');
  const mainW = rects[1]!.w;
  assert.ok(Math.abs(mainW - (1200 * 650) / 690) < 0.1);
  // The root is the bottom row, its children one row above.
  assert.ok(rects[1]!.y < rects[0]!.y);
  assert.equal(rects[0]!.y - rects[1]!.y, 16);
  assert.match(svg, /<title>write node:_http_outgoing:801: 0\.2 ms, 29\.0 % \(self 0\.1 ms\)<\/title>/);
  assert.match(svg, /idle 1 ms left out/);
  // A threshold drops narrow frames: GC is 40 of 690 µs, 5.8 %.
  const pruned = renderFlameSvg(tree, 't', 0.06);
  assert.equal([...pruned.matchAll(/<rect /g)].length, 6);
});

test('flameTree refuses a profile whose samples name unknown nodes or whose arrays disagree', () => {
  assert.throws(() => flameTree({ ...PROFILE, samples: [...PROFILE.samples.slice(0, -1), 99] }), /unknown node 99/);
  assert.throws(() => flameTree({ ...PROFILE, timeDeltas: PROFILE.timeDeltas.slice(1) }), /differ in length/);
});

test('flameTree of an idle-only profile: nothing busy, an SVG with only the root row empty', () => {
  const idle: CpuProfile = { nodes: [{ id: 1, callFrame: frame('(root)'), children: [2] }, { id: 2, callFrame: frame('(idle)') }], startTime: 0, endTime: 100, samples: [2], timeDeltas: [0] };
  const tree = flameTree(idle);
  assert.equal(tree.totalUs, 0);
  assert.equal(tree.idleUs, 100);
  assert.equal([...renderFlameSvg(tree, 'idle').matchAll(/<rect /g)].length, 0);
});
