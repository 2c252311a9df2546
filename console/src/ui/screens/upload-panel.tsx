/**
 * Uploading files and whole folders into the current prefix (key = prefix + the file's path
 * inside the chosen folder), each with a progress bar and a Cancel button, two files at a time;
 * the client goes multipart for large files. The encryption is chosen once for the batch; a
 * generated customer key disappears from the page when the batch is done.
 */
import { useRef, useState } from 'preact/hooks';
import type { KmsKey, SseChoice } from '../../api/contract.js';
import { ErrorText } from '../parts/messages.js';
import { SsePicker } from '../parts/sse-picker.js';
import { failureText, unwrap } from '../failure.js';
import { formatBytes, plural } from '../format.js';
import { useServices } from '../services.js';
import { newSseDraft, sseChoiceOf, type SseDraft } from '../sse-draft.js';

type UploadState = 'ready' | 'waiting' | 'uploading' | 'done' | 'failed' | 'cancelled';

interface UploadItem {
  id: number;
  file: File;
  key: string;
  state: UploadState;
  loadedBytes: number;
  error?: string;
  controller?: AbortController;
}

const FILES_IN_FLIGHT = 2;

/**
 * Makes the input pick a folder (webkitdirectory, not in Preact's JSX types) as soon as it exists:
 * a ref runs when the element is created, an effect only after the first paint, when the input
 * could already have been used as a plain file picker.
 */
function asFolderPicker(input: HTMLInputElement | null): void {
  if (input) input.webkitdirectory = true;
}

export interface UploadPanelProps {
  bucket: string;
  prefix: string;
  keys: KmsKey[] | undefined;
  keysError: string | undefined;
  onUploaded: () => void;
}

export function UploadPanel({ bucket, prefix, keys, keysError, onUploaded }: UploadPanelProps) {
  const { api, announce, describeError, parseCustomerKey } = useServices();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [draft, setDraft] = useState<SseDraft>(newSseDraft());
  const [error, setError] = useState<string | undefined>(undefined);
  const [isRunning, setRunning] = useState(false);
  const nextId = useRef(1);
  /** Waiting items the user cancelled before they started. */
  const cancelledIds = useRef(new Set<number>());

  const update = (id: number, patch: Partial<UploadItem>): void => setItems((all) => all.map((item) => (item.id === id ? { ...item, ...patch } : item)));

  const addFiles = (list: FileList | null): void => {
    if (!list || list.length === 0) return;
    const added = Array.from(list).map((file) => ({ id: nextId.current++, file, key: prefix + (file.webkitRelativePath || file.name), state: 'ready' as const, loadedBytes: 0 }));
    setItems((all) => [...all, ...added]);
    setError(undefined);
    announce(`${plural(added.length, 'file')} ready to upload.`);
  };

  /** Uploads one file; answers how it ended. */
  const uploadOne = async (item: UploadItem, sse: SseChoice): Promise<'done' | 'failed' | 'cancelled'> => {
    if (cancelledIds.current.has(item.id)) return 'cancelled';
    const controller = new AbortController();
    update(item.id, { state: 'uploading', controller });
    try {
      const result = await api.uploadObject(bucket, item.key, item.file, {
        sse,
        ...(item.file.type ? { contentType: item.file.type } : {}),
        signal: controller.signal,
        onProgress: (p) => update(item.id, { loadedBytes: p.loadedBytes }),
      });
      unwrap(result);
      update(item.id, { state: 'done', loadedBytes: item.file.size, controller: undefined });
      return 'done';
    } catch (e) {
      if (controller.signal.aborted) {
        update(item.id, { state: 'cancelled', controller: undefined });
        return 'cancelled';
      }
      update(item.id, { state: 'failed', controller: undefined, error: failureText(e, describeError) });
      return 'failed';
    }
  };

  const start = async (): Promise<void> => {
    if (isRunning) return;
    const batch = items.filter((i) => i.state === 'ready');
    if (batch.length === 0) {
      setError('Choose files or a folder to upload first.');
      return;
    }
    let sse: SseChoice;
    try {
      sse = sseChoiceOf(draft, parseCustomerKey);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return;
    }
    setError(undefined);
    setRunning(true);
    setItems((all) => all.map((i) => (i.state === 'ready' ? { ...i, state: 'waiting' } : i)));
    const queue = [...batch];
    const outcomes = { done: 0, failed: 0, cancelled: 0 };
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item; item = queue.shift()) outcomes[await uploadOne(item, sse)] += 1;
    };
    await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, batch.length) }, worker));
    setRunning(false);
    if (draft.isGenerated) setDraft({ ...draft, customerKeyText: '', isGenerated: false, isKeySaved: false });
    const parts = [`Uploaded ${plural(outcomes.done, 'file')} to ${bucket}/${prefix}`];
    if (outcomes.failed) parts.push(`${plural(outcomes.failed, 'file')} failed (see the list)`);
    if (outcomes.cancelled) parts.push(`${plural(outcomes.cancelled, 'file')} cancelled`);
    announce(`${parts.join('; ')}.`, outcomes.failed ? 'error' : 'success');
    if (outcomes.done > 0) onUploaded();
  };

  /** A file input's choice, added to the list; the input is emptied so the same files can be chosen again. */
  const onChosen = (event: Event): void => {
    const input = event.currentTarget as HTMLInputElement;
    addFiles(input.files);
    input.value = '';
  };
  const cancel = (item: UploadItem): void => {
    cancelledIds.current.add(item.id);
    if (item.controller) item.controller.abort();
    else update(item.id, { state: 'cancelled' });
  };
  const isFinished = (item: UploadItem): boolean => item.state === 'done' || item.state === 'failed' || item.state === 'cancelled';

  const readyCount = items.filter((i) => i.state === 'ready').length;
  return (
    <section class="panel" aria-labelledby="upload-title" id="upload-panel">
      <h2 id="upload-title" class="panel-title">
        Upload to {bucket}/{prefix}
      </h2>
      <div class="file-pickers">
        <div class="field">
          <label for="upload-files">Files</label>
          <input id="upload-files" type="file" multiple onChange={onChosen} />
        </div>
        <div class="field">
          <label for="upload-folder">A whole folder</label>
          <input id="upload-folder" ref={asFolderPicker} type="file" onChange={onChosen} />
        </div>
      </div>
      <SsePicker
        idPrefix="upload-sse"
        legend="Encryption"
        draft={draft}
        onChange={(next) => {
          setDraft(next);
          setError(undefined);
        }}
        keys={keys}
        keysError={keysError}
        defaultLabel="Bucket default"
      />
      {items.length > 0 && <UploadList items={items} onCancel={cancel} onRemove={(item) => setItems((all) => all.filter((i) => i.id !== item.id))} />}
      <ErrorText text={error} />
      <div class="button-row">
        <button type="button" class="button button-primary" onClick={() => void start()} aria-disabled={isRunning}>
          {isRunning ? 'Uploading…' : `Start upload${readyCount ? ` (${plural(readyCount, 'file')})` : ''}`}
        </button>
        {items.some(isFinished) && (
          <button type="button" class="button" onClick={() => setItems((all) => all.filter((i) => !isFinished(i)))}>
            Clear finished
          </button>
        )}
      </div>
    </section>
  );
}

const STATE_TEXT: Record<UploadState, string> = {
  ready: 'Ready',
  waiting: 'Waiting',
  uploading: 'Uploading',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

function UploadList({ items, onCancel, onRemove }: { items: UploadItem[]; onCancel: (item: UploadItem) => void; onRemove: (item: UploadItem) => void }) {
  return (
    <ul class="uploads" aria-label="Files to upload">
      {items.map((item) => {
        const total = Math.max(item.file.size, 1);
        const loaded = item.state === 'done' ? total : Math.min(item.loadedBytes, total);
        const percent = Math.round((loaded / total) * 100);
        return (
          <li key={item.id} class={`upload upload-${item.state}`}>
            <span class="upload-key mono">{item.key}</span>
            <span class="upload-size">{formatBytes(item.file.size)}</span>
            <progress max={total} value={loaded} aria-label={`Upload progress of ${item.key}`} />
            <span class="upload-state">
              {STATE_TEXT[item.state]}
              {item.state === 'uploading' ? ` ${percent}%` : ''}
            </span>
            {(item.state === 'uploading' || item.state === 'waiting') && (
              <button type="button" class="button button-small" onClick={() => onCancel(item)}>
                Cancel<span class="visually-hidden"> upload of {item.key}</span>
              </button>
            )}
            {item.state === 'ready' && (
              <button type="button" class="button button-small" onClick={() => onRemove(item)}>
                Remove<span class="visually-hidden"> {item.key}</span>
              </button>
            )}
            {item.error && <span class="upload-error">{item.error}</span>}
          </li>
        );
      })}
    </ul>
  );
}
