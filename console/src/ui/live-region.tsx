/**
 * The page-wide live region: results ("Bucket photos created.") are spoken politely and shown as a
 * toast at the bottom; errors not tied to a form are spoken at once (role="alert") and stay
 * until dismissed. The regions are always in the DOM so screen readers notice their changes.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Announcement {
  text: string;
  tone: 'success' | 'error';
  /** Distinguishes repeats of the same sentence. */
  serial: number;
}

const SUCCESS_VISIBLE_MS = 8_000;

export function useAnnouncer(): { announcement: Announcement | undefined; announce: (text: string, tone?: 'success' | 'error') => void; dismiss: () => void } {
  const [announcement, setAnnouncement] = useState<Announcement | undefined>(undefined);
  const serial = useRef(0);
  const announce = useCallback((text: string, tone: 'success' | 'error' = 'success') => {
    const next = { text, tone, serial: ++serial.current };
    // A tick later, so a dialog closing in the same update no longer makes the region inert.
    setTimeout(() => setAnnouncement(next), 50);
  }, []);
  const dismiss = useCallback(() => setAnnouncement(undefined), []);
  return { announcement, announce, dismiss };
}

export function LiveRegion({ announcement, onDismiss }: { announcement: Announcement | undefined; onDismiss: () => void }) {
  useEffect(() => {
    if (announcement?.tone !== 'success') return;
    const timer = setTimeout(onDismiss, SUCCESS_VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [announcement, onDismiss]);
  const success = announcement?.tone === 'success' ? announcement.text : '';
  const error = announcement?.tone === 'error' ? announcement.text : '';
  return (
    <div class={announcement ? `toast toast-${announcement.tone}` : 'toast toast-empty'}>
      <div role="status" aria-live="polite" aria-atomic="true" class="toast-text">
        {success}
      </div>
      <div role="alert" aria-atomic="true" class="toast-text">
        {error}
      </div>
      {announcement && (
        <button type="button" class="button button-small" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
