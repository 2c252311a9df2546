/** Bodies of the client commands. Argument definitions live in main.ts. */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { downloadFile, SseCHeader, SseKmsHeader, uploadFile, type KmsKeyMetadata, type ObsClient } from '../sdk/index.js';
import { CliError, EXIT, makeClients, ok, parseRemote, print, requireRemote, sourceKeyOf, sseHeaderOf, writeProfile, type GlobalOptions, type RemotePath, type SseOptions } from './context.js';
import { humanBytes, progressBar } from './progress.js';

type Opts = GlobalOptions & SseOptions & { recursive?: boolean; expires?: string; method?: string; partSize?: string; concurrency?: string };

const MULTIPART_THRESHOLD = 16 * 1024 * 1024;

function showProgress(o: GlobalOptions): boolean {
  return !o.json && !o.quiet && process.stdout.isTTY === true;
}

export async function cmdLogin(o: Opts): Promise<void> {
  if (!o.endpoint || !o.accessKey || !o.secretKey) throw new CliError('login needs --endpoint, --access-key and --secret-key', EXIT.usage);
  const { obs } = await makeClients(o);
  const probe = await obs.listBuckets();
  obs.close();
  ok(probe, 'checking the credentials');
  const path = await writeProfile(o.profile ?? 'default', {
    endpoint: o.endpoint,
    accessKey: o.accessKey,
    secretKey: o.secretKey,
    ...(o.signature ? { signature: o.signature } : {}),
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.insecure ? { insecure: true } : {}),
  });
  print(o, `saved profile '${o.profile ?? 'default'}' to ${path} (mode 0600)`, { profile: o.profile ?? 'default', path });
}

export async function cmdMb(target: string, o: Opts & { location?: string }): Promise<void> {
  const { bucket } = requireRemote(target);
  const { obs } = await makeClients(o);
  try {
    ok(await obs.createBucket(bucket, o.location !== undefined ? { location: o.location } : {}), `make bucket ${bucket}`);
    print(o, `make_bucket: ${bucket}`, { bucket });
  } finally {
    obs.close();
  }
}

export async function cmdRb(target: string, o: Opts): Promise<void> {
  const { bucket } = requireRemote(target);
  const { obs } = await makeClients(o);
  try {
    ok(await obs.deleteBucket(bucket), `remove bucket ${bucket}`);
    print(o, `remove_bucket: ${bucket}`, { bucket });
  } finally {
    obs.close();
  }
}

export async function cmdLs(target: string | undefined, o: Opts): Promise<void> {
  const { obs } = await makeClients(o);
  try {
    if (target === undefined) {
      const buckets = ok(await obs.listBuckets(), 'list buckets').buckets;
      if (o.json) print(o, '', buckets.map((b) => ({ name: b.name, creationDate: b.creationDate.toISOString() })));
      else for (const b of buckets) process.stdout.write(`${b.creationDate.toISOString()}  ${b.name}\n`);
      return;
    }
    const { bucket, key } = requireRemote(target);
    const items: unknown[] = [];
    for await (const item of obs.listAllObjects(bucket, { prefix: key, ...(o.recursive ? {} : { delimiter: '/' }) })) {
      if ('prefix' in item) {
        if (o.json) items.push({ prefix: item.prefix });
        else process.stdout.write(`${' '.repeat(30)}PRE ${item.prefix}\n`);
      } else if (o.json) items.push({ key: item.key, size: item.size, lastModified: item.lastModified.toISOString(), etag: item.etag });
      else process.stdout.write(`${item.lastModified.toISOString()} ${String(item.size).padStart(12)} ${item.key}\n`);
    }
    if (o.json) print(o, '', items);
  } catch (e) {
    if (e instanceof Error && e.name === 'ObsResultError') throw new CliError(e.message, EXIT.serverError);
    throw e;
  } finally {
    obs.close();
  }
}

async function localFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await localFiles(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

async function upload(obs: ObsClient, file: string, dest: RemotePath, o: Opts): Promise<void> {
  const size = (await stat(file)).size;
  const sseHeader = await sseHeaderOf(o);
  const bar = progressBar(basename(file), showProgress(o));
  if (size >= MULTIPART_THRESHOLD) {
    await uploadFile(obs, dest.bucket, dest.key, file, {
      ...(sseHeader ? { header: { sseHeader } } : {}),
      ...(o.partSize ? { partSize: Number(o.partSize) * 1024 * 1024 } : {}),
      ...(o.concurrency ? { concurrency: Number(o.concurrency) } : {}),
      progress: (p) => bar.update(p.transferredBytes, p.totalBytes),
    }).catch((e: Error) => {
      throw new CliError(e.message, EXIT.serverError);
    });
  } else {
    ok(await obs.putFile(dest.bucket, dest.key, file, sseHeader ? { sseHeader } : {}), `upload ${file}`);
    bar.update(size, size);
  }
  bar.done();
  print(o, `upload: ${file} to s3://${dest.bucket}/${dest.key}`, { action: 'upload', from: file, bucket: dest.bucket, key: dest.key, size });
}

async function download(obs: ObsClient, src: RemotePath, file: string, o: Opts): Promise<void> {
  const sse = await sseHeaderOf(o);
  if (sse && !(sse instanceof SseCHeader)) throw new CliError('downloads take only --sse-c-key-file', EXIT.usage);
  await mkdir(dirname(file), { recursive: true });
  const bar = progressBar(basename(file), showProgress(o));
  const r = await downloadFile(obs, src.bucket, src.key, file, {
    ...(sse ? { sseHeader: sse } : {}),
    ...(o.concurrency ? { concurrency: Number(o.concurrency) } : {}),
    progress: (p) => bar.update(p.transferredBytes, p.totalBytes),
  }).catch((e: Error) => {
    throw new CliError(e.message, EXIT.serverError);
  });
  bar.done();
  print(o, `download: s3://${src.bucket}/${src.key} to ${file}`, { action: 'download', bucket: src.bucket, key: src.key, to: file, size: r.size });
}

async function copyRemote(obs: ObsClient, src: RemotePath, dest: RemotePath, o: Opts): Promise<void> {
  const sse = await sseHeaderOf(o);
  const sourceKey = await sourceKeyOf(o);
  const r = ok(await obs.copyObject(dest.bucket, dest.key, src, { ...(sse ? { sseHeader: sse } : {}), ...(sourceKey ? { sourceSseHeader: sourceKey } : {}) }), `copy s3://${src.bucket}/${src.key}`);
  print(o, `copy: s3://${src.bucket}/${src.key} to s3://${dest.bucket}/${dest.key}`, { action: 'copy', from: src, to: dest, etag: r.etag });
}

async function remoteKeys(obs: ObsClient, src: RemotePath): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of obs.listAllObjects(src.bucket, { prefix: src.key })) if ('key' in item) keys.push(item.key);
  return keys;
}

export async function cmdCp(from: string, to: string, o: Opts, move = false): Promise<void> {
  const src = parseRemote(from);
  const dest = parseRemote(to);
  const { obs } = await makeClients(o);
  try {
    if (!src && dest) {
      const info = await stat(from).catch(() => {
        throw new CliError(`${from}: no such file or directory`, EXIT.localError);
      });
      if (info.isDirectory()) {
        if (!o.recursive) throw new CliError(`${from} is a directory (use --recursive)`, EXIT.usage);
        const base = dest.key === '' || dest.key.endsWith('/') ? dest.key : dest.key + '/';
        for (const file of await localFiles(from)) await upload(obs, file, { bucket: dest.bucket, key: base + relative(from, file).split(sep).join('/') }, o);
      } else {
        await upload(obs, from, { bucket: dest.bucket, key: dest.key === '' || dest.key.endsWith('/') ? dest.key + basename(from) : dest.key }, o);
      }
    } else if (src && !dest) {
      if (o.recursive) {
        for (const key of await remoteKeys(obs, src)) await download(obs, { bucket: src.bucket, key }, join(to, ...key.slice(src.key.length).split('/').filter(Boolean)), o);
      } else {
        const target = (await stat(to).then((s) => s.isDirectory(), () => false)) ? join(to, basename(src.key)) : to;
        await download(obs, src, target, o);
      }
    } else if (src && dest) {
      if (o.recursive) {
        const base = dest.key === '' || dest.key.endsWith('/') ? dest.key : dest.key + '/';
        for (const key of await remoteKeys(obs, src)) await copyRemote(obs, { bucket: src.bucket, key }, { bucket: dest.bucket, key: base + key.slice(src.key.length).replace(/^\//, '') }, o);
      } else {
        await copyRemote(obs, src, { bucket: dest.bucket, key: dest.key === '' || dest.key.endsWith('/') ? dest.key + basename(src.key) : dest.key }, o);
      }
    } else {
      throw new CliError('one side of cp must be s3://bucket/key', EXIT.usage);
    }
    if (move && src) {
      const keys = o.recursive ? await remoteKeys(obs, src) : [src.key];
      for (let i = 0; i < keys.length; i += 1000) ok(await obs.deleteObjects(src.bucket, keys.slice(i, i + 1000), { quiet: true }), 'delete moved objects');
    }
  } finally {
    obs.close();
  }
}

export async function cmdRm(target: string, o: Opts): Promise<void> {
  const r = requireRemote(target);
  const { obs } = await makeClients(o);
  try {
    const keys = o.recursive ? await remoteKeys(obs, r) : [r.key];
    for (let i = 0; i < keys.length; i += 1000) ok(await obs.deleteObjects(r.bucket, keys.slice(i, i + 1000), { quiet: true }), 'delete');
    print(o, keys.map((k) => `delete: s3://${r.bucket}/${k}`).join('\n'), { deleted: keys });
  } finally {
    obs.close();
  }
}

export async function cmdCat(target: string, o: Opts): Promise<void> {
  const r = requireRemote(target);
  const sse = await sseHeaderOf(o);
  const { obs } = await makeClients(o);
  try {
    const got = ok(await obs.getObject(r.bucket, r.key, { saveAsStream: true, ...(sse instanceof SseCHeader ? { sseHeader: sse } : {}) }), `get s3://${r.bucket}/${r.key}`);
    await pipeline(got.content as NodeJS.ReadableStream, process.stdout);
  } finally {
    obs.close();
  }
}

export async function cmdStat(target: string, o: Opts): Promise<void> {
  const r = requireRemote(target);
  const sse = await sseHeaderOf(o);
  const { obs } = await makeClients(o);
  try {
    const m = ok(await obs.getObjectMetadata(r.bucket, r.key, sse instanceof SseCHeader ? { sseHeader: sse } : {}), `stat s3://${r.bucket}/${r.key}`);
    const encryption = m.sseC ? `SSE-C (key MD5 ${m.sseCKeyMd5 ?? '?'})` : m.sseKms === 'AES256' ? 'SSE-OBS/SSE-S3' : m.sseKms ? `SSE-KMS (${m.sseKmsKey ?? 'default key'})` : 'service-managed (no SSE requested)';
    const lines = [
      `Key:           s3://${r.bucket}/${r.key}`,
      `Size:          ${m.contentLength} (${humanBytes(m.contentLength)})`,
      `ETag:          ${m.etag ?? ''}`,
      `Last modified: ${m.lastModified?.toISOString() ?? ''}`,
      `Content type:  ${m.contentType ?? ''}`,
      `Encryption:    ${encryption}`,
      ...Object.entries(m.metadata).map(([k, v]) => `Meta ${k}: ${v}`),
    ];
    print(o, lines.join('\n'), { bucket: r.bucket, key: r.key, ...m, lastModified: m.lastModified?.toISOString() });
  } finally {
    obs.close();
  }
}

export async function cmdPresign(target: string, o: Opts): Promise<void> {
  const r = requireRemote(target);
  const { obs } = await makeClients(o);
  try {
    const expires = o.expires !== undefined ? Number(o.expires) : 3600;
    if (!Number.isInteger(expires) || expires <= 0 || expires > 604800) throw new CliError('--expires must be 1 to 604800 seconds', EXIT.usage);
    const url = obs.createSignedUrl({ method: (o.method ?? 'GET').toUpperCase(), bucket: r.bucket, key: r.key, expires });
    print(o, url.signedUrl, { url: url.signedUrl, expires });
  } finally {
    obs.close();
  }
}

export async function cmdEncryption(action: string, target: string, o: Opts & { blockSseC?: boolean }): Promise<void> {
  const { bucket } = requireRemote(target);
  const { obs } = await makeClients(o);
  try {
    if (action === 'get') {
      const r = await obs.getBucketEncryption(bucket);
      if (r.status === 404) return print(o, `${bucket}: no default encryption`, { bucket, encryption: null });
      const e = ok(r, 'get bucket encryption');
      print(o, `${bucket}: ${e.algorithm === 'kms' ? `SSE-KMS${e.kmsKeyId ? ` (${e.kmsKeyId})` : ' (default key)'}` : 'SSE-OBS/SSE-S3 (AES256)'}${e.blockSseC ? ', SSE-C writes blocked' : ''}`, { bucket, encryption: e });
    } else if (action === 'set') {
      const kms = o.sseKms !== undefined && o.sseKms !== false;
      if (!kms && !o.sseObs) throw new CliError('encryption set needs --sse-kms [keyId] or --sse-obs', EXIT.usage);
      ok(await obs.setBucketEncryption(bucket, { algorithm: kms ? 'kms' : 'AES256', ...(typeof o.sseKms === 'string' ? { kmsKeyId: o.sseKms } : {}), ...(o.blockSseC ? { blockSseC: true } : {}) }), 'set bucket encryption');
      print(o, `${bucket}: default encryption set`, { bucket, ok: true });
    } else if (action === 'delete') {
      ok(await obs.deleteBucketEncryption(bucket), 'delete bucket encryption');
      print(o, `${bucket}: default encryption removed`, { bucket, ok: true });
    } else {
      throw new CliError(`unknown encryption action ${action} (get, set, delete)`, EXIT.usage);
    }
  } finally {
    obs.close();
  }
}

function keyLine(k: { KeyId: string; KeyState: string; Description?: string; Arn?: string }): string {
  return `${k.KeyId}  ${k.KeyState.padEnd(15)} ${k.Description ?? ''}`;
}

export async function cmdKms(action: string, args: string[], o: Opts & { description?: string; days?: string; keyId?: string; toKeyId?: string; prefix?: string }): Promise<void> {
  const { kms, obs } = await makeClients(o);
  const need = (i: number, what: string): string => {
    const v = args[i];
    if (v === undefined) throw new CliError(`kms ${action} needs ${what}`, EXIT.usage);
    return v;
  };
  try {
    switch (action) {
      case 'create-key': {
        const k = ok(await kms.createKey(o.description), 'create key').KeyMetadata;
        return print(o, keyLine(k), k);
      }
      case 'list-keys': {
        const keys = ok(await kms.listKeys(), 'list keys').Keys;
        const described: KmsKeyMetadata[] = [];
        for (const k of keys) described.push(ok(await kms.describeKey(k.KeyId), 'describe key').KeyMetadata);
        const aliases = ok(await kms.listAliases(), 'list aliases').Aliases;
        const rotation: boolean[] = [];
        for (const k of described) rotation.push(k.KeyState === 'Enabled' ? ok(await kms.getKeyRotationStatus(k.KeyId), 'rotation status').KeyRotationEnabled : false);
        const rows = described.map((k, i) => ({ ...k, aliases: aliases.filter((a) => a.TargetKeyId === k.KeyId).map((a) => a.AliasName), rotation: rotation[i] }));
        return print(o, rows.map((k) => `${keyLine(k)}${k.aliases.length ? `  [${k.aliases.join(', ')}]` : ''}${k.rotation ? '  rotation: on' : ''}`).join('\n'), rows);
      }
      case 'describe-key': {
        const k = ok(await kms.describeKey(need(0, 'a key id')), 'describe key').KeyMetadata;
        const rot = k.KeyState === 'Enabled' ? ok(await kms.getKeyRotationStatus(k.KeyId), 'rotation status') : undefined;
        return print(o, [`Key:         ${k.KeyId}`, `ARN:         ${k.Arn}`, `State:       ${k.KeyState}`, `Description: ${k.Description}`, `Created:     ${new Date(k.CreationDate * 1000).toISOString()}`, ...(k.DeletionDate ? [`Deletion:    ${new Date(k.DeletionDate * 1000).toISOString()}`] : []), ...(rot ? [`Rotation:    ${rot.KeyRotationEnabled ? `every ${rot.RotationPeriodInDays} days` : 'off'}`] : [])].join('\n'), { ...k, rotation: rot });
      }
      case 'enable-key':
        ok(await kms.enableKey(need(0, 'a key id')), 'enable key');
        return print(o, `enabled ${args[0]}`, { keyId: args[0], state: 'Enabled' });
      case 'disable-key':
        ok(await kms.disableKey(need(0, 'a key id')), 'disable key');
        return print(o, `disabled ${args[0]}`, { keyId: args[0], state: 'Disabled' });
      case 'rotate-key': {
        ok(await kms.rotateKey(need(0, 'a key id')), 'rotate key');
        if (o.days !== undefined) ok(await kms.enableKeyRotation(args[0]!, Number(o.days)), 'enable automatic rotation');
        return print(o, `rotated ${args[0]}${o.days !== undefined ? `; automatic rotation every ${o.days} days` : ''}`, { keyId: args[0], rotated: true });
      }
      case 'schedule-deletion': {
        const r = ok(await kms.scheduleKeyDeletion(need(0, 'a key id'), o.days !== undefined ? Number(o.days) : 30), 'schedule deletion');
        return print(o, `${args[0]} will be deleted on ${new Date(r.DeletionDate * 1000).toISOString()}`, r);
      }
      case 'cancel-deletion':
        ok(await kms.cancelKeyDeletion(need(0, 'a key id')), 'cancel deletion');
        return print(o, `deletion of ${args[0]} cancelled (the key is disabled; enable it to use it)`, { keyId: args[0], state: 'Disabled' });
      case 'create-alias':
        ok(await kms.createAlias(need(0, 'an alias (alias/name)'), need(1, 'a key id')), 'create alias');
        return print(o, `${args[0]} -> ${args[1]}`, { alias: args[0], keyId: args[1] });
      case 'rewrap': {
        const bucket = requireRemote(need(0, 's3://bucket[/prefix]'));
        let rewrapped = 0;
        let skipped = 0;
        const wanted = o.keyId !== undefined ? ok(await kms.describeKey(o.keyId), 'describe key').KeyMetadata.KeyId : undefined;
        for await (const item of obs.listAllObjects(bucket.bucket, { prefix: bucket.key })) {
          if (!('key' in item)) continue;
          const head = await obs.getObjectMetadata(bucket.bucket, item.key);
          const m = head.status < 300 ? head.body! : undefined;
          const isKms = m?.sseKms === 'kms' || m?.sseKms === 'aws:kms';
          if (!m || !isKms || (wanted !== undefined && !(m.sseKmsKey ?? '').endsWith(wanted))) {
            skipped++;
            continue;
          }
          // Copy-to-self re-seals the object key under the newest key version (or another key); the ciphertext is not rewritten.
          ok(await obs.copyObject(bucket.bucket, item.key, { bucket: bucket.bucket, key: item.key }, { metadataDirective: 'COPY', sseHeader: SseKmsHeader.getInstance(o.toKeyId ?? m.sseKmsKey) }), `rewrap ${item.key}`);
          rewrapped++;
        }
        return print(o, `rewrapped ${rewrapped} object(s), skipped ${skipped}`, { rewrapped, skipped });
      }
      default:
        throw new CliError(`unknown kms action ${action}`, EXIT.usage);
    }
  } finally {
    kms.close();
    obs.close();
  }
}
