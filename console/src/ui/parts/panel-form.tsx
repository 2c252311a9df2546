/**
 * A "create something" form in a titled panel: its fields in one row (wrapping on narrow
 * screens), the submit button at the end (saying "Creating…" while busy) and the form's error
 * under it. The fields and what submitting does belong to the caller.
 */
import type { ComponentChildren } from 'preact';
import { ErrorText } from './messages.js';

export interface PanelFormProps {
  id: string;
  title: string;
  submitLabel: string;
  isBusy: boolean;
  error: string | undefined;
  onSubmit: () => void;
  children: ComponentChildren;
}

export function PanelForm({ id, title, submitLabel, isBusy, error, onSubmit, children }: PanelFormProps) {
  return (
    <form
      class="panel"
      noValidate
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        if (!isBusy) onSubmit();
      }}
    >
      <h2 id={`${id}-title`} class="panel-title">
        {title}
      </h2>
      <div class="inline-form">
        {children}
        <button type="submit" class="button button-primary" aria-disabled={isBusy}>
          {isBusy ? 'Creating…' : submitLabel}
        </button>
      </div>
      <ErrorText text={error} id={`${id}-error`} />
    </form>
  );
}
