/**
 * The console's root: loads config.json, provides the services to every screen, and switches
 * between the sign-in screen and the signed-in shell. Signing out calls the client's logout(),
 * which forgets the secret, and unmounts every screen (and any customer key they held).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ConsoleServerConfig, DescribeError } from '../api/contract.js';
import { httpsConsoleUrl, loadConfig, type ConsoleConfig } from './config.js';
import { LiveRegion, useAnnouncer } from './live-region.js';
import { ServicesContext, type ConsoleServices } from './services.js';
import { Shell } from './shell.js';
import { LoginScreen, type Session } from './screens/login-screen.js';

/** What main.tsx brings from the API client; describeError takes hints the config provides. */
export interface ClientServices extends Omit<ConsoleServices, 'config' | 'announce' | 'describeError'> {
  describeError: DescribeError;
  loadServerConfig: () => Promise<ConsoleServerConfig>;
}

export function App({ client }: { client: ClientServices }) {
  const [config, setConfig] = useState<ConsoleConfig | undefined>(undefined);
  const [session, setSession] = useState<Session | undefined>(undefined);
  const { announcement, announce, dismiss } = useAnnouncer();
  useEffect(() => {
    void loadConfig(client.loadServerConfig).then(setConfig);
  }, [client]);
  const services = useMemo<ConsoleServices | undefined>(() => {
    if (!config) return undefined;
    const hints = { httpsConsoleUrl: httpsConsoleUrl(config) };
    const { api, generateCustomerKey, parseCustomerKey } = client;
    return { api, generateCustomerKey, parseCustomerKey, config, announce, describeError: (failure) => client.describeError(failure, hints) };
  }, [client, config, announce]);
  if (!services) return <p class="loading">Loading the console…</p>;

  const logout = (): void => {
    services.api.logout();
    setSession(undefined);
    announce('You are signed out. Your secret key has been forgotten.');
  };
  const login = (next: Session): void => {
    setSession(next);
    announce(`Signed in as ${next.accessKey}.`);
  };
  return (
    <ServicesContext.Provider value={services}>
      {session ? <Shell session={session} onLogout={logout} /> : <LoginScreen onLogin={login} />}
      <LiveRegion announcement={announcement} onDismiss={dismiss} />
    </ServicesContext.Provider>
  );
}
