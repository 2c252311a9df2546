/**
 * The V8 options the server process starts with: the first line of `bin/obscura.js`, `npm start`,
 * the benchmark and the test servers all pass these, and docs/DEPLOY.md tells anyone who starts
 * node by hand. They cannot be set once the process runs, and node refuses them in NODE_OPTIONS.
 *
 * `--initial-old-space-size=64`: a floor of 64 MB under V8's old-generation limit. Every large
 * transfer allocates fresh buffers at its own rate (node:crypto's output for each package, Node's
 * 64 KiB socket chunks), and V8 counts that external memory against the old generation's headroom.
 * With the server's ~9 MB heap the default limit leaves ~16 MB of headroom, less than the 32 MB of
 * young buffers after which V8 runs a scavenge that would free them: so it ran a full mark-compact
 * every ~30 MB instead (69 per GiB received, ~34 per GiB sent, measured with --trace-gc), about
 * half the CPU of a 1 GiB PUT or GET. With the floor the scavenges free the buffers and a
 * mark-compact is rare (4 instead of 171 over a replay of a 1 GiB PUT, 8,000 small requests and
 * three 1 GiB GETs). The cost: old-generation garbage may grow to the floor before it is
 * collected, which raises peak RSS (BENCHMARKS.md has both sides).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/** The flags of SERVER_NODE_FLAGS this process was started without. */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return SERVER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
