/**
 * The V8 options the server process starts with: the first line of `bin/obscura.js`, `npm start`,
 * the benchmark and the test servers all pass these, and docs/DEPLOY.md tells anyone who starts
 * node by hand. They cannot be set once the process runs, and node refuses them in NODE_OPTIONS.
 *
 * `--initial-old-space-size=48`: a floor of 48 MB under V8's old-generation limit. Every large
 * transfer allocates fresh buffers at its own rate (node:crypto's output for each package, Node's
 * 64 KiB socket chunks), and V8 counts that external memory against the old generation's headroom.
 * With the server's ~9 MB heap the default limit leaves ~16 MB of headroom, less than the young
 * buffers after which V8 runs a scavenge that would free them: so it ran a full mark-compact every
 * ~30 MB instead (69 per GiB received, ~34 per GiB sent, measured with --trace-gc), about half the
 * CPU of a 1 GiB PUT or GET. With the floor the scavenges free the buffers and a mark-compact is
 * rare: over a replay of a 1 GiB SSE-C PUT and GET, 16,000 small requests, a 256 MiB multipart
 * upload, 30,000 empty PUTs at 64 clients and a listing, floors of 32 and 40 MB left 64–92
 * mark-compacts in the 1 GiB phase, 48 and 64 MB one or none.
 *
 * `--max-semi-space-size=4`: young-generation semi-spaces of at most 4 MB (V8's default here is
 * 16). A server holds few objects that live, so a smaller young generation only scavenges more
 * often (~970 instead of ~350 over that replay, the same CPU within noise) and holds less garbage.
 *
 * The cost of both is memory: garbage may grow to the floor before a mark-compact collects it.
 * Three interleaved rounds of that replay, peak RSS of the server: 220–241 MB with a 64 MB floor
 * alone, 196–200 MB with these two (BENCHMARKS.md).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=48', '--max-semi-space-size=4'];

/** The flags of SERVER_NODE_FLAGS this process was started without. */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return SERVER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
