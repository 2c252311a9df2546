/**
 * The encryption badge of an object: None, SSE-OBS, SSE-KMS with the key's alias or id, or SSE-C.
 * Always a word, never colour alone; "Checking…" while the HEAD is in flight.
 */
import type { EncryptionBadge as Badge, KmsKey } from '../../api/contract.js';
import { kmsKeyNameFor } from '../kms-keys.js';

export type BadgeState = Badge | 'checking' | 'unknown';

export function EncryptionBadge({ badge, keys }: { badge: BadgeState | undefined; keys?: KmsKey[] | undefined }) {
  if (badge === undefined || badge === 'checking') return <span class="badge badge-pending">Checking…</span>;
  if (badge === 'unknown') return <span class="badge badge-pending">Unknown</span>;
  switch (badge.mode) {
    case 'none':
      return <span class="badge badge-none">None</span>;
    case 'sse-s3':
      return <span class="badge badge-s3">SSE-OBS</span>;
    case 'sse-kms':
      return (
        <span class="badge badge-kms">
          SSE-KMS <span class="badge-detail">{kmsKeyNameFor(badge.keyId, keys)}</span>
        </span>
      );
    case 'sse-c':
      return <span class="badge badge-c">SSE-C</span>;
  }
}

/** What a mode is called in prose and on the dashboard. */
export function modeName(mode: string): string {
  switch (mode) {
    case 'none':
      return 'None';
    case 'sse-s3':
      return 'SSE-OBS / SSE-S3';
    case 'sse-kms':
      return 'SSE-KMS';
    case 'sse-c':
      return 'SSE-C';
    default:
      return mode;
  }
}
