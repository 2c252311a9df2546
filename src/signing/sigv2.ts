/**
 * AWS Signature Version 2 and the OBS signature: the same layout with the `x-amz-` or `x-obs-`
 * prefix (../shared/OBS-PROTOCOL.md §2–§4). HMAC-SHA1, base64. Pure.
 */
import { createHmac } from 'node:crypto';

/** Query names that are sub-resources of the canonical resource (compared case-insensitively). */
export const SUB_RESOURCES = new Set([
  'acl', 'append', 'attname', 'backtosource', 'cors', 'customdomain', 'delete', 'deletebucket', 'directcoldaccess', 'encryption',
  'inventory', 'length', 'lifecycle', 'location', 'logging', 'metadata', 'mirrorbacktosource', 'modify', 'name', 'notification',
  'obscompresspolicy', 'object-lock', 'partnumber', 'policy', 'position', 'publicaccessblock', 'quota', 'rename', 'replication',
  'requestpayment', 'restore', 'retention', 'storageclass', 'storageinfo', 'storagepolicy', 'tagging', 'torrent', 'truncate',
  'uploadid', 'uploads', 'versionid', 'versioning', 'versions', 'website', 'x-image-process', 'x-oss-process',
  'x-image-save-bucket', 'x-image-save-object', 'x-obs-security-token', 'x-amz-security-token', 'response-content-type',
  'response-content-language', 'response-expires', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding', 'select', 'select-type', 'object-lock', 'legal-hold', 'compose', 'x-workflow-limit',
  'x-workflow-prefix', 'x-workflow-start', 'x-workflow-template-name', 'x-workflow-graph-name', 'x-workflow-execution-state',
  'x-workflow-category', 'x-workflow-execution-type', 'x-workflow-next-marker', 'x-workflow-create', 'x-workflow-trigger',
  'x-workflow-forbid', 'x-workflow-callback', 'x-workflow-instance-status', 'x-workflow-resume', 'x-obs-accesslabel',
  'obsworkflowtriggerpolicy', 'obsbucketalias', 'obsalias', 'bucketstatus', 'policystatus',
]);

export type SignaturePrefix = 'x-amz-' | 'x-obs-';

/**
 * The canonical resource: `resourcePath` (the path as signed, `/bucket/key…`) plus sub-resources
 * from decoded query pairs, sorted, each `name` or `name=value`. For query authentication, names
 * starting with the prefix count too.
 */
export function canonicalResourceV2(resourcePath: string, query: Array<[string, string]>, prefix: SignaturePrefix, queryAuth: boolean): string {
  const entries: string[] = [];
  for (const [name, value] of query) {
    const lower = name.toLowerCase();
    const isSub = SUB_RESOURCES.has(lower) || (queryAuth && lower.startsWith(prefix));
    if (!isSub) continue;
    entries.push(value === '' ? name : `${name}=${value}`);
  }
  entries.sort();
  return entries.length ? `${resourcePath}?${entries.join('&')}` : resourcePath;
}

/** Canonicalized headers: every header with the prefix, lower-cased, sorted, `name:value\n`. */
export function canonicalHeadersV2(headers: Record<string, string | string[] | undefined>, prefix: SignaturePrefix): string {
  const names = Object.keys(headers).map((n) => n.toLowerCase()).filter((n) => n.startsWith(prefix)).sort();
  return names
    .map((n) => {
      const v = headers[n];
      const value = Array.isArray(v) ? v.map((x) => x.trim()).join(',') : (v ?? '').trim();
      return `${n}:${value}\n`;
    })
    .join('');
}

export interface StringToSignV2Input {
  method: string;
  contentMd5: string;
  contentType: string;
  /** The Date header, or '' when x-amz-date / x-obs-date is sent, or Expires for query auth. */
  dateOrExpires: string;
  headers: Record<string, string | string[] | undefined>;
  prefix: SignaturePrefix;
  resource: string;
}

export function stringToSignV2(input: StringToSignV2Input): string {
  return `${input.method}\n${input.contentMd5}\n${input.contentType}\n${input.dateOrExpires}\n${canonicalHeadersV2(input.headers, input.prefix)}${input.resource}`;
}

export function signV2(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** V2/OBS POST policy signature: base64 HMAC-SHA1 of the base64 policy. */
export function postPolicySignatureV2(secret: string, base64Policy: string): string {
  return signV2(secret, base64Policy);
}
