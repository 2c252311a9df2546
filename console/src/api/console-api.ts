/**
 * createConsoleApi: the console's browser client (contract.ts ConsoleApi) over one signed
 * transport. The session (access key, secret key, region) lives only in this closure: never in
 * storage, cookies, URLs or logs; logout forgets it. Calls before login are misuse and throw.
 */
import { bucketCalls } from './buckets.js';
import type { ApiResult, ConsoleApi, Credentials } from './contract.js';
import { kmsCalls } from './kms.js';
import { getMetrics } from './metrics.js';
import { objectCalls } from './objects.js';
import type { SigningCredentials } from './signer.js';
import { createTransport, type TransportOptions } from './transport.js';
import { uploadCalls } from './uploads.js';
import { withoutBody } from './results.js';

export type ConsoleApiOptions = TransportOptions;

const DEFAULT_REGION = 'us-east-1';

export function createConsoleApi(options: ConsoleApiOptions): ConsoleApi {
  let session: SigningCredentials | undefined;
  const transport = createTransport(options, () => {
    if (!session) throw new Error('Not logged in: call login() first.');
    return session;
  });
  const buckets = bucketCalls(transport);
  const objects = objectCalls(transport);
  const uploads = uploadCalls(transport);

  return {
    async login(credentials: Credentials): Promise<ApiResult> {
      if (credentials.accessKey === '' || credentials.secretKey === '') throw new Error('Enter an access key and a secret key.');
      session = { accessKey: credentials.accessKey, secretKey: credentials.secretKey, region: credentials.region ?? DEFAULT_REGION };
      let checked: ApiResult<unknown>;
      try {
        checked = await buckets.listBuckets();
      } catch (e) {
        session = undefined;
        throw e;
      }
      if (checked.status >= 300) session = undefined;
      return withoutBody(checked);
    },
    logout(): void {
      session = undefined;
    },
    ...buckets,
    ...objects,
    ...uploads,
    kms: kmsCalls(transport),
    metrics: () => getMetrics(transport),
  };
}
