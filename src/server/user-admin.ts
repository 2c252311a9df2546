/**
 * `obscura user add|list|remove`: local administration of users, run on a machine that holds the
 * server's data dir (its metadata) and config dir (the service master key that seals secrets). A
 * running server picks the change up within a second.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteMetadataStore } from '../metadata/sqlite/sqlite-metadata-store.js';
import { resolveConfig, type RawConfig } from './config.js';
import { UserDirectory, UserError } from './users.js';

export class AdminError extends Error {}

export async function runUserCommand(action: string, args: string[], flags: RawConfig & { json?: boolean }): Promise<void> {
  const config = resolveConfig(flags);
  const metadataPath = join(config.dataDir, 'metadata.sqlite');
  const masterKeyPath = join(config.configDir, 'service-master.key');
  for (const path of [metadataPath, masterKeyPath]) {
    try {
      await access(path);
    } catch {
      throw new AdminError(`${path} does not exist: start the server once with this --data-dir and --config-dir first`);
    }
  }
  const masterKey = await readFile(masterKeyPath);
  const rootAccessKey = config.accessKey ?? (await readRootAccessKey(config.configDir));
  const metadata = new SqliteMetadataStore(metadataPath);
  const users = new UserDirectory(metadata, masterKey, rootAccessKey);
  const print = (human: string, json: unknown): void => {
    process.stdout.write(flags.json ? JSON.stringify(json) + '\n' : human + '\n');
  };
  try {
    switch (action) {
      case 'add': {
        const name = args[0];
        if (args.length !== 1 || !name) throw new AdminError('usage: obscura user add <name>');
        const user = await users.add(name);
        print(`user ${user.name}\naccess key ${user.accessKey}\nsecret key ${user.secretKey}\n(the secret key is shown once; keep it)`, user);
        return;
      }
      case 'list': {
        const list = await users.list();
        print(list.length === 0 ? 'no users' : list.map((u) => `${u.name}\t${u.accessKey}\t${u.createdAt}`).join('\n'), list);
        return;
      }
      case 'remove': {
        const which = args[0];
        if (args.length !== 1 || !which) throw new AdminError('usage: obscura user remove <name | access key>');
        const removed = await users.remove(which);
        if (!removed) throw new AdminError(`no user ${which}`);
        const buckets = (await metadata.listBuckets()).filter((b) => b.owner === removed.accessKey);
        print(`removed ${removed.name} (${removed.accessKey})${buckets.length ? `; its buckets stay: ${buckets.map((b) => b.name).join(', ')}` : ''}`, { removed, buckets: buckets.map((b) => b.name) });
        return;
      }
      default:
        throw new AdminError(`unknown action ${action}: add, list or remove`);
    }
  } catch (e) {
    if (e instanceof UserError) throw new AdminError(e.message);
    throw e;
  } finally {
    masterKey.fill(0);
    await metadata.close();
  }
}

/** The generated credentials' access key, if the server generated them (never created here). */
async function readRootAccessKey(configDir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(join(configDir, 'credentials.json'), 'utf8')) as { accessKey?: string }).accessKey;
  } catch {
    return undefined;
  }
}
