/**
 * Hash routing: every screen has a deep link (#/buckets/photos?prefix=2024/) that works under
 * /console/ and at `/` on the console port, since the server only ever sees the page's own path.
 * Parsing and formatting only; never put a secret (access secret, customer key) in a route.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { screen: 'dashboard' }
  | { screen: 'buckets' }
  | { screen: 'objects'; bucket: string; prefix: string }
  | { screen: 'object'; bucket: string; key: string }
  | { screen: 'kms' }
  | { screen: 'not-found'; path: string };

/** Parses `location.hash` (with or without the leading '#'). */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const queryAt = text.indexOf('?');
  const path = queryAt >= 0 ? text.slice(0, queryAt) : text;
  const query = new URLSearchParams(queryAt >= 0 ? text.slice(queryAt + 1) : '');
  const parts = path.split('/').filter((p) => p !== '').map(decodeSegment);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'dashboard')) return { screen: 'dashboard' };
  if (parts[0] === 'kms' && parts.length === 1) return { screen: 'kms' };
  if (parts[0] === 'buckets') {
    const bucket = parts[1];
    if (bucket === undefined) return { screen: 'buckets' };
    if (parts.length === 2) return { screen: 'objects', bucket, prefix: query.get('prefix') ?? '' };
    if (parts.length === 3 && parts[2] === 'object' && query.get('key')) return { screen: 'object', bucket, key: query.get('key')! };
  }
  return { screen: 'not-found', path };
}

/** The hash (with '#') that parseRoute turns back into `route`. */
export function routeHref(route: Route): string {
  switch (route.screen) {
    case 'dashboard':
      return '#/';
    case 'buckets':
      return '#/buckets';
    case 'objects':
      return `#/buckets/${encodeURIComponent(route.bucket)}${route.prefix ? `?${new URLSearchParams({ prefix: route.prefix })}` : ''}`;
    case 'object':
      return `#/buckets/${encodeURIComponent(route.bucket)}/object?${new URLSearchParams({ key: route.key })}`;
    case 'kms':
      return '#/kms';
    case 'not-found':
      return `#${route.path}`;
  }
}

export function navigate(route: Route): void {
  location.hash = routeHref(route);
}

/** The current route, updated on every hashchange. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
