/**
 * Browser-form POST authentication: the policy signature (OBS `AccessKeyId`, V2 `AWSAccessKeyId`,
 * V4 `x-amz-credential`), expiry, and the policy's conditions. Field names are matched
 * case-insensitively (Huawei's sample writes `Accesskeyid`).
 */
import { fail } from '../../errors/index.js';
import { parseHttpDate } from '../../http/dates.js';
import { postPolicySignatureV2, postPolicySignatureV4 } from '../../signing/index.js';
import { sameSignature, type SecretLookup } from './authenticate.js';

export interface PostPolicy {
  expiration?: string;
  conditions: unknown[];
}

export interface PostAuth {
  accessKeyId: string;
  dialect: 'obs' | 's3';
  policy: PostPolicy;
  region?: string;
}

/** Parses the policy JSON leniently: esdk's V4 policies carry a trailing comma before `]`. */
export function parsePolicyJson(base64Policy: string): PostPolicy {
  let text: string;
  try {
    text = Buffer.from(base64Policy, 'base64').toString('utf8');
  } catch {
    throw fail('InvalidPolicyDocument', 'Invalid Policy: Invalid base64.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    try {
      parsed = JSON.parse(text.replace(/,\s*([\]}])/g, '$1'));
    } catch {
      throw fail('InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as PostPolicy).conditions)) {
    throw fail('InvalidPolicyDocument', 'Invalid Policy: Policy missing conditions.');
  }
  return parsed as PostPolicy;
}

const policyFailed = (detail: string): Error => fail('AccessDenied', `Invalid according to Policy: ${detail}`);

export function verifyPostPolicySignature(fields: Map<string, string>, lookup: SecretLookup, nowMs: number): PostAuth {
  const base64Policy = fields.get('policy');
  if (base64Policy === undefined) throw fail('AccessDenied', 'Anonymous POST uploads are not allowed: the form has no policy.');
  let accessKeyId: string;
  let dialect: 'obs' | 's3';
  let region: string | undefined;
  const v4Signature = fields.get('x-amz-signature');
  if (v4Signature !== undefined) {
    const credential = fields.get('x-amz-credential') ?? '';
    const parts = credential.split('/');
    if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256' || parts.length !== 5 || parts[4] !== 'aws4_request') {
      throw fail('InvalidArgument', 'The x-amz-algorithm and x-amz-credential form fields are malformed.', { argumentName: 'x-amz-credential' });
    }
    accessKeyId = parts[0]!;
    region = parts[2]!;
    dialect = 's3';
    const secret = lookup(accessKeyId);
    if (secret === undefined) throw fail('InvalidAccessKeyId');
    if (!sameSignature(postPolicySignatureV4(secret, parts[1]!, region, base64Policy), v4Signature)) throw fail('SignatureDoesNotMatch');
  } else {
    const obsKey = fields.get('accesskeyid');
    const awsKey = fields.get('awsaccesskeyid');
    const signature = fields.get('signature');
    if ((obsKey === undefined && awsKey === undefined) || signature === undefined) throw fail('AccessDenied', 'The form must carry AccessKeyId (or AWSAccessKeyId), policy and signature.');
    accessKeyId = (obsKey ?? awsKey)!;
    dialect = obsKey !== undefined ? 'obs' : 's3';
    const secret = lookup(accessKeyId);
    if (secret === undefined) throw fail('InvalidAccessKeyId');
    if (!sameSignature(postPolicySignatureV2(secret, base64Policy), signature)) throw fail('SignatureDoesNotMatch');
  }
  const policy = parsePolicyJson(base64Policy);
  if (policy.expiration === undefined) throw fail('InvalidPolicyDocument', 'Invalid Policy: Policy missing expiration.');
  const expires = typeof policy.expiration === 'string' ? (parseHttpDate(policy.expiration) ?? NaN) : NaN;
  if (!Number.isFinite(expires)) throw fail('InvalidPolicyDocument', 'Invalid Policy: Invalid expiration.');
  if (nowMs > expires) throw policyFailed('Policy expired.');
  return { accessKeyId, dialect, policy, ...(region !== undefined ? { region } : {}) };
}

/**
 * Fields that need no condition: S3's rule (policy, signature, file, x-ignore-*), plus the
 * credential fields, which the signature already covers (esdk's OBS-dialect V4 policies omit
 * conditions for x-amz-algorithm, x-amz-credential and x-amz-date).
 */
function exempt(name: string): boolean {
  return ['policy', 'signature', 'x-amz-signature', 'file', 'accesskeyid', 'awsaccesskeyid', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-security-token', 'x-obs-security-token'].includes(name) || name.startsWith('x-ignore-');
}

/** The content-length-range of a policy, if any. */
export function contentLengthRange(policy: PostPolicy): { min: number; max: number } | undefined {
  for (const c of policy.conditions) {
    if (Array.isArray(c) && typeof c[0] === 'string' && c[0].toLowerCase() === 'content-length-range') {
      const min = Number(c[1]);
      const max = Number(c[2]);
      if (!Number.isFinite(min) || !Number.isFinite(max)) throw fail('InvalidPolicyDocument', 'Invalid Policy: Invalid content-length-range.');
      return { min, max };
    }
  }
  return undefined;
}

/**
 * Checks every condition against the form fields (lower-case names; `key` already has
 * `${filename}` substituted) and the bucket; and that every field is covered by a condition.
 * `contentLength` undefined skips content-length-range (the caller enforces it while streaming).
 */
export function evaluatePostPolicyConditions(policy: PostPolicy, fields: Map<string, string>, bucket: string, contentLength: number | undefined): void {
  const covered = new Set<string>();
  const valueOf = (name: string): string | undefined => (name === 'bucket' ? bucket : fields.get(name));
  for (const condition of policy.conditions) {
    if (Array.isArray(condition)) {
      // Only strings and numbers are condition values; anything else (nested arrays) is refused.
      const op = typeof condition[0] === 'string' ? condition[0].toLowerCase() : '';
      if (op === 'content-length-range') {
        const range = contentLengthRange({ conditions: [condition] })!;
        if (contentLength !== undefined && (contentLength < range.min || contentLength > range.max)) {
          throw fail(contentLength > range.max ? 'EntityTooLarge' : 'EntityTooSmall', 'Your proposed upload size is outside the content-length-range of the policy.');
        }
        continue;
      }
      if (condition.length !== 3 || typeof condition[1] !== 'string' || !condition[1].startsWith('$')) throw fail('InvalidPolicyDocument', 'Invalid Policy: Invalid condition.');
      const name = condition[1].slice(1).toLowerCase();
      if (typeof condition[2] !== 'string' && typeof condition[2] !== 'number') throw fail('InvalidPolicyDocument', 'Invalid Policy: Invalid condition.');
      const expected = String(condition[2]);
      const actual = valueOf(name) ?? '';
      covered.add(name);
      if (op === 'eq') {
        if (actual !== expected) throw policyFailed(`Policy Condition failed: ["eq", "$${name}", "${expected}"]`);
      } else if (op === 'starts-with') {
        const ok = name === 'content-type' ? actual.split(',').every((v) => v.trim().startsWith(expected)) : actual.startsWith(expected);
        if (!ok) throw policyFailed(`Policy Condition failed: ["starts-with", "$${name}", "${expected}"]`);
      } else {
        throw fail('InvalidPolicyDocument', `Invalid Policy: Invalid condition operator ${op}.`);
      }
    } else if (typeof condition === 'object' && condition !== null) {
      for (const [k, v] of Object.entries(condition)) {
        const name = k.toLowerCase();
        covered.add(name);
        if (typeof v !== 'string' && typeof v !== 'number') throw fail('InvalidPolicyDocument', 'Invalid Policy: Invalid condition.');
        if ((valueOf(name) ?? '') !== String(v)) throw policyFailed(`Policy Condition failed: ["eq", "$${name}", "${String(v)}"]`);
      }
    } else {
      throw fail('InvalidPolicyDocument', 'Invalid Policy: Invalid condition.');
    }
  }
  for (const name of fields.keys()) {
    if (!exempt(name) && !covered.has(name)) throw policyFailed(`Extra input fields: ${name}`);
  }
}
