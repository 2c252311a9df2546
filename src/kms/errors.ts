/** Errors of the KMS, named as the AWS KMS API names them (the JSON protocol's `__type`). */
export type KmsErrorCode =
  | 'NotFoundException'
  | 'DisabledException'
  | 'KMSInvalidStateException'
  | 'InvalidCiphertextException'
  | 'IncorrectKeyException'
  | 'ValidationException'
  | 'AlreadyExistsException'
  | 'UnsupportedOperationException'
  | 'UnknownOperationException'
  | 'KMSInternalException';

export class KmsError extends Error {
  constructor(
    readonly code: KmsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KmsError';
  }
}
