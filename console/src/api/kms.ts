/**
 * The built-in KMS through its AWS KMS JSON protocol (POST /, X-Amz-Target: TrentService.<Op>,
 * SigV4 service kms), as the console's KmsKey view: ListKeys, DescribeKey, GetKeyRotationStatus,
 * ListKeyRotations and ListAliases merged, plus the life-cycle calls. Dates arrive as epoch seconds.
 */
import type { ApiResult, ConsoleApi, KmsKey } from './contract.js';
import { withoutBody, NO_CUSTOMER_KEY, resultOf } from './results.js';
import type { Transport } from './transport.js';

type Json = Record<string, unknown>;

function dateOf(seconds: unknown): Date | undefined {
  return typeof seconds === 'number' ? new Date(seconds * 1000) : undefined;
}

function str(json: Json, name: string): string {
  const value = json[name];
  return typeof value === 'string' ? value : '';
}

/** The latest of ListKeyRotations' Rotations (oldest first). */
function lastRotationOf(rotations: Json[]): KmsKey['lastRotation'] {
  const last = rotations.at(-1);
  const date = last ? dateOf(last['RotationDate']) : undefined;
  if (!last || !date) return undefined;
  const type = last['RotationType'];
  return { date, ...(type === 'AUTOMATIC' || type === 'ON_DEMAND' ? { type } : {}) };
}

/** A KmsKey from DescribeKey's KeyMetadata, GetKeyRotationStatus, ListKeyRotations and the aliases pointing at it. */
export function kmsKeyOf(metadata: Json, rotation: Json, aliases: string[], rotations: Json[] = []): KmsKey {
  const deletionDate = dateOf(metadata['DeletionDate']);
  const lastRotation = lastRotationOf(rotations);
  const nextRotationDate = dateOf(rotation['NextRotationDate']);
  const period = rotation['RotationPeriodInDays'];
  return {
    keyId: str(metadata, 'KeyId'),
    arn: str(metadata, 'Arn'),
    description: str(metadata, 'Description'),
    keyState: str(metadata, 'KeyState'),
    creationDate: dateOf(metadata['CreationDate']) ?? new Date(0),
    ...(deletionDate ? { deletionDate } : {}),
    rotationEnabled: rotation['KeyRotationEnabled'] === true,
    ...(typeof period === 'number' ? { rotationPeriodInDays: period } : {}),
    ...(nextRotationDate ? { nextRotationDate } : {}),
    ...(lastRotation ? { lastRotation } : {}),
    rotations: rotations.length,
    aliases,
  };
}

export function kmsCalls(transport: Transport): ConsoleApi['kms'] {
  async function call(operation: string, request: Json): Promise<ApiResult<Json>> {
    const answer = await transport.exchange({
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` },
      body: JSON.stringify(request),
      service: 'kms',
    });
    return resultOf(answer, NO_CUSTOMER_KEY, (a) => (a.text ? (JSON.parse(a.text) as Json) : {}));
  }

  /** A call whose answer the console does not need beyond success. */
  async function act(operation: string, request: Json): Promise<ApiResult> {
    return withoutBody(await call(operation, request));
  }

  async function describe(keyId: string, aliases: string[]): Promise<ApiResult<KmsKey>> {
    const [described, rotation, history] = await Promise.all([
      call('DescribeKey', { KeyId: keyId }),
      call('GetKeyRotationStatus', { KeyId: keyId }),
      call('ListKeyRotations', { KeyId: keyId }),
    ]);
    if (described.status >= 300 || !described.body) return withoutBody(described);
    if (rotation.status >= 300 || !rotation.body) return withoutBody(rotation);
    if (history.status >= 300 || !history.body) return withoutBody(history);
    return { ...described, body: kmsKeyOf(described.body['KeyMetadata'] as Json, rotation.body, aliases, (history.body['Rotations'] as Json[] | undefined) ?? []) };
  }

  return {
    async listKeys(): Promise<ApiResult<KmsKey[]>> {
      const [listed, aliased] = await Promise.all([call('ListKeys', {}), call('ListAliases', {})]);
      if (listed.status >= 300 || !listed.body) return withoutBody(listed);
      if (aliased.status >= 300 || !aliased.body) return withoutBody(aliased);
      const aliases = (aliased.body['Aliases'] as Json[] | undefined) ?? [];
      const keys = (listed.body['Keys'] as Json[] | undefined) ?? [];
      const described = await Promise.all(keys.map((k) => describe(str(k, 'KeyId'), aliases.filter((a) => str(a, 'TargetKeyId') === str(k, 'KeyId')).map((a) => str(a, 'AliasName')))));
      const failed = described.find((d) => d.status >= 300 || !d.body);
      if (failed) return withoutBody(failed);
      return { ...listed, body: described.map((d) => d.body!) };
    },
    async createKey(description: string): Promise<ApiResult<KmsKey>> {
      const created = await call('CreateKey', { Description: description });
      if (created.status >= 300 || !created.body) return withoutBody(created);
      return describe(str(created.body['KeyMetadata'] as Json, 'KeyId'), []);
    },
    enableKey: (keyId) => act('EnableKey', { KeyId: keyId }),
    disableKey: (keyId) => act('DisableKey', { KeyId: keyId }),
    rotateKeyOnDemand: (keyId) => act('RotateKeyOnDemand', { KeyId: keyId }),
    setRotation: (keyId, enabled, periodDays) =>
      enabled ? act('EnableKeyRotation', { KeyId: keyId, ...(periodDays !== undefined ? { RotationPeriodInDays: periodDays } : {}) }) : act('DisableKeyRotation', { KeyId: keyId }),
    async scheduleKeyDeletion(keyId: string, pendingWindowInDays: number): Promise<ApiResult<{ deletionDate: Date }>> {
      const scheduled = await call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: pendingWindowInDays });
      if (scheduled.status >= 300 || !scheduled.body) return withoutBody(scheduled);
      return { ...scheduled, body: { deletionDate: dateOf(scheduled.body['DeletionDate']) ?? new Date(0) } };
    },
    cancelKeyDeletion: (keyId) => act('CancelKeyDeletion', { KeyId: keyId }),
    createAlias: (aliasName, keyId) => act('CreateAlias', { AliasName: aliasName, TargetKeyId: keyId }),
    deleteAlias: (aliasName) => act('DeleteAlias', { AliasName: aliasName }),
  };
}
