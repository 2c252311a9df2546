/**
 * The `obscura` command: argument definitions only (bodies in commands.ts). `obscura server`
 * starts the server (loaded lazily, so client commands never load server code); every other
 * command is a client built on the SDK's public API.
 */
import { Command, Option } from 'commander';
import { version } from '../server/version.js';
import { CliError, EXIT } from './context.js';

function clientOptions(cmd: Command): Command {
  return cmd
    .option('--endpoint <url>', 'server URL (or OBSCURA_ENDPOINT, or the profile)')
    .option('--access-key <id>', 'access key id (or OBSCURA_ACCESS_KEY)')
    .option('--secret-key <secret>', 'secret access key (or OBSCURA_SECRET_KEY)')
    .option('--profile <name>', 'profile written by `obscura login` (default: default)')
    .addOption(new Option('--signature <kind>', 'obs, v2 or v4').choices(['obs', 'v2', 'v4']))
    .option('--path-style', 'path-style addressing')
    .option('--ca <file>', 'trust this CA certificate (e.g. the server\'s self-signed one)')
    .option('--insecure', 'do not verify the TLS certificate')
    .option('--json', 'machine-readable output')
    .option('--quiet', 'no progress output');
}

function sseOptions(cmd: Command): Command {
  return cmd
    .option('--sse-c-key-file <file>', 'SSE-C with the 32-byte customer key in this file (raw or base64)')
    .option('--sse-kms [keyId]', 'SSE-KMS with this key (default key when omitted)')
    .option('--sse-obs', 'SSE-OBS / SSE-S3 (service-managed keys)');
}

function handle<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof CliError) {
        process.stderr.write(`obscura: ${e.message}\n`);
        process.exitCode = e.exitCode;
        return;
      }
      const code = (e as NodeJS.ErrnoException)?.code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || (e as Error)?.name === 'RequestTimeoutError') {
        process.stderr.write(`obscura: cannot reach the server: ${(e as Error).message}\n`);
        process.exitCode = EXIT.network;
        return;
      }
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
        process.stderr.write(`obscura: ${(e as Error).message}\n`);
        process.exitCode = EXIT.localError;
        return;
      }
      throw e;
    }
  };
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('obscura')
    .description('Obscura: S3- and OBS-compatible object storage with server-side encryption')
    .version(version)
    .addHelpText('after', '\nExit codes: 0 success, 1 the server refused (4xx/5xx), 2 usage or configuration error, 3 local file error, 4 server unreachable.');
  program.showHelpAfterError();
  program.exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
    process.exit(EXIT.usage);
  });

  const server = program.command('server').description('start the object storage server');
  const { configOptions } = await import('../server/config.js');
  for (const [name, description, fallback] of configOptions) {
    server.addOption(new Option(`--${name} <value>`, `${description}${fallback !== undefined && fallback !== '' ? ` (default: ${fallback})` : ''}`));
  }
  server.option('--allow-insecure-sse', 'accept SSE-C and SSE-KMS requests over plain HTTP (loopback development, tests)');
  server.option('--no-console', 'do not serve the web console');
  server.option('--config <file>', 'JSON config file (keys as the long option names)');
  server.action(async (opts: Record<string, string | boolean | undefined>) => {
    const { runServer } = await import('../server/run.js');
    const flags: Record<string, string | boolean | undefined> = {};
    for (const [k, v] of Object.entries(opts)) flags[k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())] = v;
    // commander defaults a --no-* flag to true; only an explicit --no-console may win over OBSCURA_CONSOLE.
    if (server.getOptionValueSource('console') === 'default') delete flags['console'];
    await runServer(flags);
  });

  const c = await import('./commands.js');
  clientOptions(program.command('login').description('check credentials and save them as a profile (mode 0600)')).action(handle((o) => c.cmdLogin(o)));
  clientOptions(program.command('mb <bucket>').description('make a bucket (s3://name)').option('--location <region>', 'bucket location')).action(handle((t: string, o) => c.cmdMb(t, o)));
  clientOptions(program.command('rb <bucket>').description('remove an empty bucket')).action(handle((t: string, o) => c.cmdRb(t, o)));
  clientOptions(program.command('ls [target]').description('list buckets, or objects under s3://bucket[/prefix]').option('--recursive', 'list every object under the prefix')).action(handle((t: string | undefined, o) => c.cmdLs(t, o)));
  for (const [name, move] of [['cp', false], ['mv', true]] as const) {
    sseOptions(clientOptions(program.command(`${name} <from> <to>`).description(move ? 'move (copy, then delete the source)' : 'copy local↔remote or remote↔remote')))
      .option('--recursive', 'folders / prefixes')
      .option('--source-sse-c-key-file <file>', 'customer key of an SSE-C source (remote→remote)')
      .option('--part-size <MiB>', 'multipart part size for large uploads (default 8)')
      .option('--concurrency <n>', 'parallel parts (default 4)')
      .action(handle((from: string, to: string, o) => c.cmdCp(from, to, o, move)));
  }
  clientOptions(program.command('rm <target>').description('delete an object, or every object under a prefix with --recursive').option('--recursive', 'every object under the prefix')).action(handle((t: string, o) => c.cmdRm(t, o)));
  sseOptions(clientOptions(program.command('cat <object>').description('write an object to stdout'))).action(handle((t: string, o) => c.cmdCat(t, o)));
  sseOptions(clientOptions(program.command('stat <object>').description('show an object\'s size, ETag, metadata and encryption'))).action(handle((t: string, o) => c.cmdStat(t, o)));
  clientOptions(program.command('presign <object>').description('print a signed URL').option('--expires <seconds>', 'lifetime (default 3600)').option('--method <method>', 'GET (default) or PUT')).action(handle((t: string, o) => c.cmdPresign(t, o)));
  sseOptions(clientOptions(program.command('encryption <action> <bucket>').description('bucket default encryption: get, set (--sse-kms [id] | --sse-obs) or delete').option('--block-sse-c', 'with set: refuse SSE-C writes'))).action(handle((a: string, t: string, o) => c.cmdEncryption(a, t, o)));
  clientOptions(
    program
      .command('kms <action> [args...]')
      .description('built-in KMS: create-key, list-keys, describe-key <id>, enable-key <id>, disable-key <id>, rotate-key <id>, schedule-deletion <id>, cancel-deletion <id>, create-alias <alias/name> <id>, rewrap s3://bucket[/prefix]')
      .option('--description <text>', 'create-key: description')
      .option('--days <n>', 'schedule-deletion: waiting period (7-30, default 30); rotate-key: also rotate automatically every n days')
      .option('--key-id <id>', 'rewrap: only objects under this key')
      .option('--to-key-id <id>', 'rewrap: re-seal under this key instead of the newest version of the current one'),
  ).action(handle((a: string, args: string[], o) => c.cmdKms(a, args, o)));
  program
    .command('user <action> [args...]')
    .description('users (run where the server\'s data and config dirs are): add <name>, list, remove <name | access key>')
    .option('--data-dir <dir>', 'the server\'s data dir (or OBSCURA_DATA_DIR; default ./data)')
    .option('--config-dir <dir>', 'the server\'s config dir (or OBSCURA_CONFIG_DIR; default ~/.config/obscura)')
    .option('--json', 'machine-readable output')
    .action(async (action: string, args: string[], o: { dataDir?: string; configDir?: string; json?: boolean }) => {
      const { runUserCommand, AdminError } = await import('../server/user-admin.js');
      try {
        await runUserCommand(action, args, { 'data-dir': o.dataDir, 'config-dir': o.configDir, json: o.json === true });
      } catch (e) {
        if (!(e instanceof AdminError)) throw e;
        process.stderr.write(`obscura: ${e.message}\n`);
        process.exitCode = EXIT.usage;
      }
    });
  await program.parseAsync(argv);
}
