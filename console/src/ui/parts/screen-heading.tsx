/**
 * A screen's <h1>: sets the document title and takes focus when the screen opens, so keyboard and
 * screen reader users land at the top of the new content after a route change.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function ScreenHeading({ title, children }: { title: string; children?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — Obscura console`;
    const active = document.activeElement;
    // Do not steal focus from a field the user is already typing in.
    if (!(active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement || active instanceof HTMLSelectElement)) ref.current?.focus();
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1} class="screen-title">
      {children ?? title}
    </h1>
  );
}
