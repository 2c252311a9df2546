/**
 * Shown when the console was opened over plain HTTP while the server also listens on HTTPS:
 * SSE-C and SSE-KMS requests are refused over HTTP, so encrypted transfers need the HTTPS console.
 */
import { httpsConsoleUrl } from '../config.js';
import { useServices } from '../services.js';

export function HttpsBanner() {
  const { config } = useServices();
  const url = httpsConsoleUrl(config);
  if (!url) return null;
  return (
    <div class="banner" role="region" aria-label="Connection warning">
      <p>
        <strong>This console is not using HTTPS.</strong> Encrypted uploads and downloads (SSE-C customer keys, SSE-KMS) only work over HTTPS, and your secret key travels
        unprotected here. <a href={url}>Open the HTTPS console</a>
      </p>
    </div>
  );
}
