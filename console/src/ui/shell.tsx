/**
 * The signed-in layout: skip link, top bar (main navigation, who is signed in, Sign out), the
 * HTTPS banner, and the current route's screen in <main>. Owns no data; screens load their own.
 */
import type { Route } from './router.js';
import { routeHref, useRoute } from './router.js';
import { HttpsBanner } from './parts/https-banner.js';
import type { Session } from './screens/login-screen.js';
import { DashboardScreen } from './screens/dashboard-screen.js';
import { BucketsScreen } from './screens/buckets-screen.js';
import { ObjectsScreen } from './screens/objects-screen.js';
import { ObjectScreen } from './screens/object-screen.js';
import { KmsScreen } from './screens/kms-screen.js';
import { ScreenHeading } from './parts/screen-heading.js';

const NAV: Array<{ label: string; route: Route; matches: Array<Route['screen']> }> = [
  { label: 'Dashboard', route: { screen: 'dashboard' }, matches: ['dashboard'] },
  { label: 'Buckets', route: { screen: 'buckets' }, matches: ['buckets', 'objects', 'object'] },
  { label: 'KMS keys', route: { screen: 'kms' }, matches: ['kms'] },
];

export function Shell({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const route = useRoute();
  const skip = (event: Event): void => {
    // A plain href="#main" would replace the route; move focus instead.
    event.preventDefault();
    document.getElementById('main')?.focus();
  };
  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={skip}>
        Skip to main content
      </a>
      <header class="topbar">
        <a class="brand" href="#/">
          Obscura
        </a>
        <nav aria-label="Main" class="nav">
          {NAV.map((item) => (
            <a key={item.label} href={routeHref(item.route)} aria-current={item.matches.includes(route.screen) ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span class="who-name">
            <span class="visually-hidden">Signed in as </span>
            <span class="mono">{session.accessKey}</span>
            <span class="who-region"> · {session.region}</span>
          </span>
          <button type="button" class="button button-small" onClick={onLogout}>
            Sign out
          </button>
        </div>
      </header>
      <HttpsBanner />
      <main id="main" class="content" tabIndex={-1}>
        <Screen route={route} />
      </main>
    </div>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'dashboard':
      return <DashboardScreen />;
    case 'buckets':
      return <BucketsScreen />;
    case 'objects':
      return <ObjectsScreen key={`${route.bucket}/${route.prefix}`} bucket={route.bucket} prefix={route.prefix} />;
    case 'object':
      return <ObjectScreen key={`${route.bucket}/${route.key}`} bucket={route.bucket} objectKey={route.key} />;
    case 'kms':
      return <KmsScreen />;
    case 'not-found':
      return (
        <>
          <ScreenHeading title="Page not found" />
          <p>
            There is no console page at <code>{route.path}</code>. <a href="#/">Go to the dashboard</a>.
          </p>
        </>
      );
  }
}
