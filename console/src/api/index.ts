export * from './contract.js';
export { createConsoleApi, type ConsoleApiOptions } from './console-api.js';
export { customerKeyOf, generateCustomerKey, parseCustomerKey } from './customer-keys.js';
export { describeError, ERROR_MESSAGES, NetworkError, type ConsoleErrorCode } from './errors.js';
export { loadServerConfig } from './server-config.js';
export type { XhrLike } from './transport.js';
