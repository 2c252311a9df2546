/**
 * Independent clients configured against a test server: the AWS SDK v3 S3 client and Huawei's
 * esdk-obs-nodejs (OBS dialect, virtual-hosted; V2 path-style). The OBS client resolves
 * `<bucket>.localhost` to 127.0.0.1 through its own agent, as a user's /etc/hosts would.
 */
import { S3Client } from '@aws-sdk/client-s3';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { LookupFunction } from 'node:net';
import type { TestServer } from './server.js';

const require = createRequire(import.meta.url);

export function s3Client(server: TestServer, options: { secure?: boolean; secretKey?: string; accessKey?: string; checksums?: boolean } = {}): S3Client {
  return new S3Client({
    endpoint: options.secure ? server.httpsUrl : server.httpUrl,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKey ?? server.accessKey, secretAccessKey: options.secretKey ?? server.secretKey },
    ...(options.checksums === false ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    ...(options.secure ? { requestHandler: { httpsAgent: new https.Agent({ rejectUnauthorized: false }) } } : {}),
    maxAttempts: 1,
  });
}

/** Resolves every name under `localhost` to the loopback address. */
export const loopbackLookup: LookupFunction = ((hostname: string, options: unknown, callback?: unknown) => {
  const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
  const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
  void hostname;
  if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as LookupFunction;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ObsClientInstance = any;

/** Huawei's ObsClient in the OBS dialect: virtual-hosted `<bucket>.localhost:<port>`, signature negotiation on. */
export function obsClient(server: TestServer, options: { secretKey?: string; accessKey?: string; secure?: boolean } = {}): ObsClientInstance {
  const ObsClient = require('esdk-obs-nodejs');
  const port = options.secure ? server.httpsPort : server.httpPort;
  return new ObsClient({
    access_key_id: options.accessKey ?? server.accessKey,
    secret_access_key: options.secretKey ?? server.secretKey,
    server: `${options.secure ? 'https' : 'http'}://localhost:${port}`,
    http_agent: new http.Agent({ keepAlive: true, lookup: loopbackLookup } as http.AgentOptions),
    https_agent: new https.Agent({ keepAlive: true, lookup: loopbackLookup, rejectUnauthorized: false } as https.AgentOptions),
    max_retry_count: 0,
    timeout: 60,
  });
}

/** Huawei's ObsClient speaking V2 in path style (what it does against an IP endpoint). */
export function obsClientV2(server: TestServer): ObsClientInstance {
  const ObsClient = require('esdk-obs-nodejs');
  return new ObsClient({
    access_key_id: server.accessKey,
    secret_access_key: server.secretKey,
    server: server.httpUrl,
    path_style: true,
    signature: 'v2',
    max_retry_count: 0,
    timeout: 60,
  });
}
