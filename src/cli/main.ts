/**
 * The `obscura` command. `obscura server` starts the server (loaded lazily, so the client commands
 * never load server code); the client commands are built on the SDK only.
 */
import { Command, Option } from 'commander';
import { version } from '../server/version.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('obscura').description('Obscura: S3- and OBS-compatible object storage with server-side encryption').version(version);
  const server = program.command('server').description('start the object storage server');
  const { configOptions } = await import('../server/config.js');
  for (const [name, description, fallback] of configOptions) {
    const opt = new Option(`--${name} <value>`, `${description}${fallback !== undefined && fallback !== '' ? ` (default: ${fallback})` : ''}`);
    server.addOption(opt);
  }
  server.option('--allow-insecure-sse', 'accept SSE-C and SSE-KMS requests over plain HTTP (loopback development, tests)');
  server.option('--config <file>', 'JSON config file (keys as the long option names)');
  server.action(async (opts: Record<string, string | boolean | undefined>) => {
    const { runServer } = await import('../server/run.js');
    const flags: Record<string, string | boolean | undefined> = {};
    for (const [k, v] of Object.entries(opts)) flags[k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())] = v;
    await runServer(flags);
  });
  await program.parseAsync(argv);
}
