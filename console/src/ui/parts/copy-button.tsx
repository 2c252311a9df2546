/**
 * Copies a value (a generated customer key, a signed URL) to the clipboard and says so right
 * next to the button in its own polite live region, which also works inside a modal dialog.
 * When the Clipboard API is refused, it selects the field so the user can press Ctrl+C.
 */
import { useEffect, useState } from 'preact/hooks';

export interface CopyButtonProps {
  text: string;
  /** Visible label, e.g. "Copy key". */
  label: string;
  /** What was copied, for the confirmation: "Key". */
  what: string;
  /** The input showing the value, selected when copying automatically fails. */
  fieldId?: string;
}

export function CopyButton({ text, label, what, fieldId }: CopyButtonProps) {
  const [status, setStatus] = useState('');
  useEffect(() => setStatus(''), [text]);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setStatus(`${what} copied.`);
    } catch {
      const field = fieldId ? document.getElementById(fieldId) : null;
      if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
        field.focus();
        field.select();
      }
      setStatus('The browser did not allow copying: the text is selected, press Ctrl+C (or ⌘C).');
    }
  };
  return (
    <span class="copy">
      <button type="button" class="button" onClick={() => void copy()}>
        {label}
      </button>
      <span class="copy-status" role="status">
        {status}
      </span>
    </span>
  );
}
