/**
 * A dialog holding one form: the fields, an inline error, Cancel and a submit button. Submitting
 * runs `onSubmit` as a task (busy while it runs, its error sentence shown in the dialog); on
 * success the dialog closes unless `stayOpen` is set. ConfirmDialog is the field-less variant.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useTask } from '../hooks.js';
import { Dialog } from './dialog.js';
import { ErrorText } from './messages.js';

export interface FormDialogProps {
  title: string;
  submitLabel: string;
  /** Returns the sentence to announce on success. */
  onSubmit: () => Promise<string | void>;
  onClose: () => void;
  /** Called after a successful submit (before closing). */
  onDone?: () => void;
  children: ComponentChildren;
  danger?: boolean;
  wide?: boolean;
  /** Keep the dialog open after success (e.g. to show a generated link). */
  stayOpen?: boolean;
  cancelLabel?: string;
}

export function FormDialog(props: FormDialogProps) {
  const task = useTask();
  /** A dialog that stays open says its result itself: the page's live region is inert behind it. */
  const [status, setStatus] = useState('');
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (task.busy) return;
    setStatus('');
    const work = props.stayOpen ? async () => setStatus((await props.onSubmit()) ?? '') : props.onSubmit;
    if (await task.run(work)) {
      props.onDone?.();
      if (!props.stayOpen) props.onClose();
    }
  };
  return (
    <Dialog title={props.title} onClose={props.onClose} wide={props.wide}>
      <form class="dialog-form" onSubmit={(e) => void submit(e)} noValidate>
        <div class="dialog-body">{props.children}</div>
        <ErrorText text={task.error} />
        {props.stayOpen && (
          <p role="status" class="status-line">
            {status}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={props.onClose}>
            {props.cancelLabel ?? 'Cancel'}
          </button>
          <button type="submit" class={props.danger ? 'button button-danger' : 'button button-primary'} aria-disabled={task.busy}>
            {task.busy ? 'Working…' : props.submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export interface ConfirmDialogProps {
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<string | void>;
  onClose: () => void;
  onDone?: () => void;
  children: ComponentChildren;
}

/** Asks before a destructive action; Cancel comes first and gets the initial focus. */
export function ConfirmDialog({ title, confirmLabel, onConfirm, onClose, onDone, children }: ConfirmDialogProps) {
  return (
    <FormDialog title={title} submitLabel={confirmLabel} onSubmit={onConfirm} onClose={onClose} onDone={onDone} danger>
      {children}
    </FormDialog>
  );
}
