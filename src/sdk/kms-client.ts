/**
 * A small client for the KMS JSON protocol (the AWS KMS API the server speaks), returning the
 * same result shape as ObsClient. Used by the CLI's `obscura kms` commands.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { signV4 } from '../signing/index.js';
import { makeResult, type ObsResult } from './result.js';
import { readAll } from './transport.js';

export interface KmsClientOptions {
  accessKeyId: string;
  secretAccessKey: string;
  server: string;
  region?: string;
  timeoutMs?: number;
  ca?: string | Buffer;
  insecureTls?: boolean;
}

export interface KmsKeyMetadata {
  KeyId: string;
  Arn: string;
  Description: string;
  KeyState: 'Enabled' | 'Disabled' | 'PendingDeletion';
  Enabled: boolean;
  CreationDate: number;
  DeletionDate?: number;
}

type Json = Record<string, unknown>;

export class KmsClient {
  private readonly endpoint: URL;
  private readonly agent: http.Agent;

  constructor(private readonly options: KmsClientOptions) {
    this.endpoint = new URL(options.server);
    this.agent = this.endpoint.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, ...(options.ca !== undefined ? { ca: options.ca } : {}), ...(options.insecureTls ? { rejectUnauthorized: false } : {}) })
      : new http.Agent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  /** Calls `TrentService.<operation>`; KMS errors come back as results with errorCode = `__type`. */
  async call<T = Json>(operation: string, input: Json = {}): Promise<ObsResult<T>> {
    const body = Buffer.from(JSON.stringify(input), 'utf8');
    const host = this.endpoint.host;
    const headers: Record<string, string> = { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` };
    const signed = signV4({
      method: 'POST',
      canonicalUri: '/',
      query: [],
      headers,
      payloadHash: createHash('sha256').update(body).digest('hex'),
      accessKeyId: this.options.accessKeyId,
      secretAccessKey: this.options.secretAccessKey,
      region: this.options.region ?? 'us-east-1',
      service: 'kms',
      nowMs: Date.now(),
    });
    const lib = this.endpoint.protocol === 'https:' ? https : http;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = lib.request({ protocol: this.endpoint.protocol, hostname: this.endpoint.hostname, port: this.endpoint.port || undefined, method: 'POST', path: '/', headers: { ...headers, ...signed, 'content-length': String(body.length) }, agent: this.agent }, resolve);
      req.setTimeout(this.options.timeoutMs ?? 30_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });
    const text = (await readAll(res)).toString('utf8');
    const status = res.statusCode ?? 0;
    let parsed: Json = {};
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = {};
    }
    if (status >= 300) {
      const result = makeResult<T>(status, res.statusMessage ?? '', res.headers, undefined);
      result.errorCode = String(parsed['__type'] ?? 'UnknownError');
      result.errorMessage = String(parsed['message'] ?? parsed['Message'] ?? '');
      return result;
    }
    return makeResult<T>(status, res.statusMessage ?? '', res.headers, undefined, parsed as T);
  }

  createKey(description?: string): Promise<ObsResult<{ KeyMetadata: KmsKeyMetadata }>> {
    return this.call('CreateKey', description !== undefined ? { Description: description } : {});
  }
  describeKey(keyId: string): Promise<ObsResult<{ KeyMetadata: KmsKeyMetadata }>> {
    return this.call('DescribeKey', { KeyId: keyId });
  }
  listKeys(): Promise<ObsResult<{ Keys: Array<{ KeyId: string; KeyArn: string }> }>> {
    return this.call('ListKeys');
  }
  enableKey(keyId: string): Promise<ObsResult> {
    return this.call('EnableKey', { KeyId: keyId });
  }
  disableKey(keyId: string): Promise<ObsResult> {
    return this.call('DisableKey', { KeyId: keyId });
  }
  rotateKey(keyId: string): Promise<ObsResult<{ KeyId: string }>> {
    return this.call('RotateKeyOnDemand', { KeyId: keyId });
  }
  enableKeyRotation(keyId: string, periodDays?: number): Promise<ObsResult> {
    return this.call('EnableKeyRotation', { KeyId: keyId, ...(periodDays !== undefined ? { RotationPeriodInDays: periodDays } : {}) });
  }
  getKeyRotationStatus(keyId: string): Promise<ObsResult<{ KeyRotationEnabled: boolean; RotationPeriodInDays?: number; NextRotationDate?: number }>> {
    return this.call('GetKeyRotationStatus', { KeyId: keyId });
  }
  scheduleKeyDeletion(keyId: string, pendingWindowInDays = 30): Promise<ObsResult<{ KeyId: string; DeletionDate: number; KeyState: string }>> {
    return this.call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: pendingWindowInDays });
  }
  cancelKeyDeletion(keyId: string): Promise<ObsResult<{ KeyId: string }>> {
    return this.call('CancelKeyDeletion', { KeyId: keyId });
  }
  createAlias(aliasName: string, keyId: string): Promise<ObsResult> {
    return this.call('CreateAlias', { AliasName: aliasName, TargetKeyId: keyId });
  }
  listAliases(keyId?: string): Promise<ObsResult<{ Aliases: Array<{ AliasName: string; TargetKeyId: string }> }>> {
    return this.call('ListAliases', keyId !== undefined ? { KeyId: keyId } : {});
  }
}
