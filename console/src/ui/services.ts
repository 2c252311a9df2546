/**
 * What every screen is given: the signed API client, the client's helpers (error sentences,
 * customer keys), the server's config and the announcer for the aria-live region. Built once in
 * main.tsx and passed down through a Preact context, so screens never import the client directly.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiResult, ConsoleApi, GenerateCustomerKey, ParseCustomerKey } from '../api/contract.js';
import type { ConsoleConfig } from './config.js';

export interface ConsoleServices {
  api: ConsoleApi;
  /** The client's user-facing sentence for a failed result or a thrown Error (network failure, cancel, bad input). */
  describeError: (failure: ApiResult<unknown> | Error) => string;
  generateCustomerKey: GenerateCustomerKey;
  parseCustomerKey: ParseCustomerKey;
  config: ConsoleConfig;
  /** Speaks (and shows) a result or an error in the page's live region. */
  announce: (message: string, tone?: 'success' | 'error') => void;
}

export const ServicesContext = createContext<ConsoleServices | undefined>(undefined);

export function useServices(): ConsoleServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices() outside <ServicesContext.Provider>');
  return services;
}
