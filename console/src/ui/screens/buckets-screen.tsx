/**
 * Buckets: create (name checked before sending), list with creation date and default encryption,
 * change default encryption, delete (confirmed; a non-empty bucket is explained, not hidden).
 */
import { useState } from 'preact/hooks';
import type { BucketSummary } from '../../api/contract.js';
import { ConfirmDialog } from '../parts/form-dialog.js';
import { DataTable, ListState } from '../parts/data-table.js';
import { PanelForm } from '../parts/panel-form.js';
import { RowButton } from '../parts/row-button.js';
import { ScreenHeading } from '../parts/screen-heading.js';
import { bucketEncryptionText } from '../bucket-encryption.js';
import { unwrap } from '../failure.js';
import { formatDateTime } from '../format.js';
import { useLoad, useTask } from '../hooks.js';
import { useKmsKeys } from '../kms-keys.js';
import { usePerRow } from '../limited.js';
import { routeHref } from '../router.js';
import { useServices } from '../services.js';
import { bucketNameProblem } from '../validation.js';
import { BucketEncryptionDialog } from './bucket-encryption-dialog.js';

type OpenDialog = { kind: 'encryption' | 'delete'; bucket: string } | undefined;

export function BucketsScreen() {
  const { api } = useServices();
  const buckets = useLoad(() => api.listBuckets(), []);
  const keys = useKmsKeys();
  const encryption = usePerRow(buckets.data, (b) => b.name, (b) => api.getBucketEncryption(b.name), 4);
  const [dialog, setDialog] = useState<OpenDialog>(undefined);

  return (
    <>
      <ScreenHeading title="Buckets" />
      <CreateBucketForm onCreated={buckets.reload} />
      <ListState list={buckets} what="buckets" empty="There are no buckets yet. Create one above." />
      {buckets.data && buckets.data.length > 0 && (
        <DataTable caption="Your buckets" columns={['Name', 'Created', 'Default encryption']} hasActions>
          {buckets.data.map((bucket) => {
            const result = encryption.get(bucket.name);
            const config = result?.body;
            return (
              <BucketRow key={bucket.name} bucket={bucket} encryptionText={config ? bucketEncryptionText(config, keys.data) : result ? 'Unknown' : 'Checking…'} isSseCBlocked={config?.blockSseC === true} onOpen={(kind) => setDialog({ kind, bucket: bucket.name })} />
            );
          })}
        </DataTable>
      )}
      {dialog?.kind === 'encryption' && <BucketEncryptionDialog bucket={dialog.bucket} keys={keys.data} keysError={keys.error} onClose={() => setDialog(undefined)} onDone={buckets.reload} />}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete bucket ${dialog.bucket}?`}
          confirmLabel="Delete bucket"
          onConfirm={async () => {
            unwrap(await api.deleteBucket(dialog.bucket));
            return `Bucket ${dialog.bucket} deleted.`;
          }}
          onClose={() => setDialog(undefined)}
          onDone={buckets.reload}
        >
          <p>
            The bucket <strong>{dialog.bucket}</strong> will be removed. Only an empty bucket can be deleted: delete or move its objects first.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

interface BucketRowProps {
  bucket: BucketSummary;
  encryptionText: string;
  isSseCBlocked: boolean;
  onOpen: (dialog: 'encryption' | 'delete') => void;
}

function BucketRow({ bucket, encryptionText, isSseCBlocked, onOpen }: BucketRowProps) {
  return (
    <tr>
      <th scope="row" data-label="Name">
        <a href={routeHref({ screen: 'objects', bucket: bucket.name, prefix: '' })}>{bucket.name}</a>
      </th>
      <td data-label="Created" class="cell-nowrap">
        {formatDateTime(bucket.creationDate)}
      </td>
      <td data-label="Default encryption">
        {encryptionText}
        {isSseCBlocked && <span class="tag">SSE-C blocked</span>}
      </td>
      <td class="actions">
        <RowButton label="Encryption" item={bucket.name} onClick={() => onOpen('encryption')} />
        <RowButton label="Delete" item={bucket.name} onClick={() => onOpen('delete')} tone="danger" />
      </td>
    </tr>
  );
}

function CreateBucketForm({ onCreated }: { onCreated: () => void }) {
  const { api } = useServices();
  const [name, setName] = useState('');
  const task = useTask();
  const submit = async (): Promise<void> => {
    const bucket = name.trim();
    const problem = bucketNameProblem(bucket);
    if (problem) {
      task.setError(problem);
      document.getElementById('new-bucket')?.focus();
      return;
    }
    const ok = await task.run(async () => {
      unwrap(await api.createBucket(bucket));
      return `Bucket ${bucket} created.`;
    });
    if (ok) {
      setName('');
      onCreated();
    }
  };
  return (
    <PanelForm id="new-bucket" title="Create a bucket" submitLabel="Create bucket" isBusy={task.busy} error={task.error} onSubmit={() => void submit()}>
      <div class="field field-grow">
        <label for="new-bucket">Bucket name</label>
        <input
          id="new-bucket"
          type="text"
          value={name}
          autoCapitalize="off"
          spellcheck={false}
          autoComplete="off"
          aria-invalid={task.error ? 'true' : undefined}
          aria-describedby={task.error ? 'new-bucket-hint new-bucket-error' : 'new-bucket-hint'}
          onInput={(e) => {
            setName(e.currentTarget.value);
            if (task.error) task.setError(undefined);
          }}
        />
        <p class="hint" id="new-bucket-hint">
          3–63 characters: lowercase letters, digits, hyphens and dots; start and end with a letter or digit.
        </p>
      </div>
    </PanelForm>
  );
}
