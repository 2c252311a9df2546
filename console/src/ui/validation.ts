/**
 * Checks on what the user types, before anything is sent, each answering with the sentence to
 * show (undefined = fine). The bucket rules mirror the server's (src/operations/bucket.ts,
 * S3 general-purpose bucket naming); the KMS bounds mirror the built-in KMS.
 */

export function bucketNameProblem(name: string): string | undefined {
  if (name === '') return 'Enter a bucket name.';
  if (name.length < 3 || name.length > 63) return `A bucket name must be 3 to 63 characters long; this one has ${name.length}.`;
  if (/[A-Z]/.test(name)) return 'Bucket names cannot contain capital letters: use lowercase letters.';
  if (/[^a-z0-9.-]/.test(name)) return 'Use only lowercase letters (a–z), digits (0–9), hyphens (-) and dots (.) — no spaces, underscores or other characters.';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'A bucket name must start and end with a lowercase letter or a digit.';
  if (name.includes('..') || name.includes('.-') || name.includes('-.')) return 'A dot cannot be next to another dot or a hyphen.';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'A bucket name cannot look like an IP address (such as 192.168.5.4).';
  return undefined;
}

/** "photos" or "alias/photos" → "alias/photos". */
export function normalizeAlias(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('alias/') ? trimmed : `alias/${trimmed}`;
}

export function aliasProblem(alias: string): string | undefined {
  const name = alias.slice('alias/'.length);
  if (name === '') return 'Enter an alias name.';
  if (!/^[A-Za-z0-9/_-]+$/.test(name)) return 'An alias may use only letters, digits, slashes (/), underscores (_) and hyphens (-).';
  if (alias.startsWith('alias/aws/')) return 'Aliases starting with alias/aws/ are reserved.';
  if (alias.length > 256) return 'An alias can be at most 256 characters long.';
  return undefined;
}

/** A whole number in [min, max], or the sentence saying why not. */
export function wholeNumberProblem(text: string, min: number, max: number, what: string): string | undefined {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) return `${what} must be a whole number from ${min} to ${max}.`;
  return undefined;
}
