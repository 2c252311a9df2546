/**
 * Users besides the server's own credentials. Each has a name, an access key and a secret access
 * key; the secret is kept sealed under the service master key (which lives in the config dir, never
 * in the data dir), bound to its access key, so the metadata file holds no usable secret. The list
 * lives in metadata state, so every node sharing the metadata sees the same users; a running server
 * re-reads it every second (`SecretBook`).
 */
import { unwrapSecret, wrapSecret } from '../crypto/wrap.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { randomAccessKey, randomSecretKey } from './credentials.js';

const USERS_STATE = 'users';
const SEAL_LABEL = 'obscura user secret v1';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface UserRecord {
  name: string;
  accessKey: string;
  createdAt: string;
}

interface StoredUser extends UserRecord {
  /** base64 of wrapSecret(serviceMasterKey, SEAL_LABEL, secret, aad = access key). */
  sealedSecret: string;
}

interface StoredUsers {
  version: 1;
  users: StoredUser[];
}

export class UserError extends Error {}

export class UserDirectory {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly masterKey: Buffer,
    /** The server's own access key: never given to a user. */
    private readonly rootAccessKey?: string,
  ) {}

  async list(): Promise<UserRecord[]> {
    const { users } = (await this.load()).parsed;
    return users.map(({ name, accessKey, createdAt }) => ({ name, accessKey, createdAt }));
  }

  /** Creates a user with a fresh key pair; the secret is returned once and never again. */
  async add(name: string, now = new Date()): Promise<UserRecord & { secretKey: string }> {
    if (!NAME.test(name)) throw new UserError('a user name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    for (;;) {
      const { raw, parsed } = await this.load();
      if (parsed.users.some((u) => u.name === name)) throw new UserError(`user ${name} already exists`);
      let accessKey = randomAccessKey();
      while (accessKey === this.rootAccessKey || parsed.users.some((u) => u.accessKey === accessKey)) accessKey = randomAccessKey();
      const secretKey = randomSecretKey();
      const sealedSecret = wrapSecret(this.masterKey, SEAL_LABEL, Buffer.from(secretKey, 'utf8'), Buffer.from(accessKey, 'utf8')).toString('base64');
      const user: StoredUser = { name, accessKey, createdAt: now.toISOString(), sealedSecret };
      const next: StoredUsers = { version: 1, users: [...parsed.users, user] };
      if (await this.metadata.putState(USERS_STATE, JSON.stringify(next), raw ?? null)) return { name, accessKey, createdAt: user.createdAt, secretKey };
    }
  }

  /** Removes a user by name or access key; false when there is none. */
  async remove(nameOrAccessKey: string): Promise<UserRecord | undefined> {
    for (;;) {
      const { raw, parsed } = await this.load();
      const user = parsed.users.find((u) => u.name === nameOrAccessKey || u.accessKey === nameOrAccessKey);
      if (!user || raw === undefined) return undefined;
      const next: StoredUsers = { version: 1, users: parsed.users.filter((u) => u !== user) };
      if (await this.metadata.putState(USERS_STATE, JSON.stringify(next), raw)) return { name: user.name, accessKey: user.accessKey, createdAt: user.createdAt };
    }
  }

  /** Every user's access key and secret, unsealed (for the signature verifier, in memory only). */
  async secrets(): Promise<Map<string, string>> {
    const { users } = (await this.load()).parsed;
    const map = new Map<string, string>();
    for (const u of users) {
      map.set(u.accessKey, unwrapSecret(this.masterKey, SEAL_LABEL, Buffer.from(u.sealedSecret, 'base64'), Buffer.from(u.accessKey, 'utf8')).toString('utf8'));
    }
    return map;
  }

  private async load(): Promise<{ raw: string | undefined; parsed: StoredUsers }> {
    const raw = await this.metadata.getState(USERS_STATE);
    if (raw === undefined) return { raw, parsed: { version: 1, users: [] } };
    const parsed = JSON.parse(raw) as StoredUsers;
    if (parsed.version !== 1 || !Array.isArray(parsed.users)) throw new UserError('the stored user list has an unknown format');
    return { raw, parsed };
  }
}

/**
 * The secrets the verifier looks up: the server's own pair plus every user's, refreshed from the
 * directory every second so users added or removed (by `obscura user`, or on another node) take
 * effect without a restart.
 */
export class SecretBook {
  private users = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly root: { accessKey: string; secretKey: string },
    private readonly directory: UserDirectory,
    private readonly onError: (e: unknown) => void,
  ) {}

  async start(refreshMs = 1000): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(this.onError), refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  lookup = (accessKeyId: string): string | undefined => (accessKeyId === this.root.accessKey ? this.root.secretKey : this.users.get(accessKeyId));

  private async refresh(): Promise<void> {
    this.users = await this.directory.secrets();
  }
}
