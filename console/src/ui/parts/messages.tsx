/**
 * Inline messages: an error next to the form or table it belongs to (role="alert", spoken at
 * once), a hint, and a "loading" line. The page-wide live region for results is in live-region.tsx.
 */
import type { ComponentChildren } from 'preact';

export function ErrorText({ text, id }: { text: string | undefined; id?: string }) {
  if (!text) return null;
  return (
    <p class="message message-error" role="alert" id={id}>
      {text}
    </p>
  );
}

export function Notice({ children, tone = 'info' }: { children: ComponentChildren; tone?: 'info' | 'warning' }) {
  return <div class={`message message-${tone}`}>{children}</div>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}
