/**
 * Sign-in: access key, secret key and region (prefilled from config.json). The secret lives only
 * in this form's state and, after a successful login, inside the API client's memory; a failed
 * attempt clears the field. Nothing is written to storage, cookies or the URL.
 */
import { useState } from 'preact/hooks';
import { ErrorText } from '../parts/messages.js';
import { HttpsBanner } from '../parts/https-banner.js';
import { ScreenHeading } from '../parts/screen-heading.js';
import { useTask } from '../hooks.js';
import { unwrap } from '../failure.js';
import { useServices } from '../services.js';

export interface Session {
  accessKey: string;
  region: string;
}

export function LoginScreen({ onLogin }: { onLogin: (session: Session) => void }) {
  const { api, config } = useServices();
  const [accessKey, setAccessKey] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [region, setRegion] = useState(config.region);
  const task = useTask();

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (task.busy) return;
    if (!accessKey.trim() || !secretKey) {
      task.setError('Enter both your access key and your secret key.');
      return;
    }
    const session = { accessKey: accessKey.trim(), region: region.trim() || config.region };
    const ok = await task.run(async () => {
      unwrap(await api.login({ ...session, secretKey }));
    });
    setSecretKey('');
    if (ok) onLogin(session);
    else document.getElementById('login-secret')?.focus();
  };

  return (
    <div class="login-page">
      <HttpsBanner />
      <main id="main" class="login-card" tabIndex={-1}>
        <ScreenHeading title="Sign in to Obscura" />
        <p class="hint">Use the access key and secret key printed when the server started, or one from <code>obscura user add</code>.</p>
        <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={task.error ? 'login-error' : undefined}>
          <div class="field">
            <label for="login-access">Access key</label>
            <input id="login-access" type="text" value={accessKey} onInput={(e) => setAccessKey(e.currentTarget.value)} autoComplete="username" autoCapitalize="off" spellcheck={false} required />
          </div>
          <div class="field">
            <label for="login-secret">Secret key</label>
            <input id="login-secret" type="password" value={secretKey} onInput={(e) => setSecretKey(e.currentTarget.value)} autoComplete="off" required aria-describedby="login-secret-hint" />
            <p class="hint" id="login-secret-hint">
              Kept in this tab’s memory only; signing out or closing the tab forgets it.
            </p>
          </div>
          <div class="field">
            <label for="login-region">Region</label>
            <input id="login-region" type="text" value={region} onInput={(e) => setRegion(e.currentTarget.value)} autoCapitalize="off" spellcheck={false} />
          </div>
          <ErrorText text={task.error} id="login-error" />
          <button type="submit" class="button button-primary button-wide" aria-disabled={task.busy}>
            {task.busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p class="hint footer-note">Obscura {config.version}</p>
      </main>
    </div>
  );
}
