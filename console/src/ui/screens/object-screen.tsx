/**
 * One object: its details (size, date, ETag, type, encryption, metadata), download to a file,
 * preview, copy/rename, share link and delete. For an SSE-C object the customer key is asked
 * here, kept only in this screen's state and sent only in request headers; missing and wrong
 * keys are answered in plain words.
 */
import { useState } from 'preact/hooks';
import type { ApiResult, KmsKey, ObjectHead } from '../../api/contract.js';
import { Breadcrumbs } from '../parts/breadcrumbs.js';
import { CustomerKeyField } from '../parts/customer-key-field.js';
import { EncryptionBadge } from '../parts/encryption-badge.js';
import { ConfirmDialog } from '../parts/form-dialog.js';
import { ErrorText, Loading } from '../parts/messages.js';
import { ScreenHeading } from '../parts/screen-heading.js';
import { ApiFailure, isOk, unwrap } from '../failure.js';
import { formatBytes, formatDateTime } from '../format.js';
import { useLoad, useTask } from '../hooks.js';
import { useKmsKeys } from '../kms-keys.js';
import { needsCustomerKey } from '../object-badge.js';
import { previewKindOf, saveBlob, splitKey } from '../object-files.js';
import { navigate } from '../router.js';
import { useServices } from '../services.js';
import { optionalCustomerKey } from '../sse-draft.js';
import { CopyObjectDialog } from './copy-object-dialog.js';
import { loadPreview, PreviewView, type Preview } from './object-preview.js';
import { ShareDialog } from './share-dialog.js';

type OpenDialog = 'copy' | 'share' | 'delete' | undefined;

export function ObjectScreen({ bucket, objectKey }: { bucket: string; objectKey: string }) {
  const { api, parseCustomerKey } = useServices();
  const keys = useKmsKeys();
  const { folder, name } = splitKey(objectKey);
  /** The first HEAD, without a customer key: the details, or no head when the object needs a key. */
  const probe = useLoad(async (): Promise<ApiResult<{ head?: ObjectHead }>> => {
    const result = await api.headObject(bucket, objectKey);
    if (needsCustomerKey(result)) return { ...result, status: 200, body: {} };
    return { ...result, body: result.body ? { head: result.body } : undefined };
  }, [bucket, objectKey]);
  const [unlockedHead, setUnlockedHead] = useState<ObjectHead | undefined>(undefined);
  const [keyText, setKeyText] = useState('');
  const [preview, setPreview] = useState<Preview | undefined>(undefined);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | undefined>(undefined);
  const [dialog, setDialog] = useState<OpenDialog>(undefined);
  const unlock = useTask();
  const action = useTask();

  const isLoading = probe.data === undefined && !probe.error;
  const isSseC = probe.data !== undefined && (probe.data.head === undefined || probe.data.head.encryption.mode === 'sse-c');
  const head = probe.data?.head ?? unlockedHead;
  const customerKey = () => optionalCustomerKey(keyText, parseCustomerKey);
  const customerOption = () => {
    const key = customerKey();
    return key ? { customerKey: key } : {};
  };

  const checkKey = async (event: Event): Promise<void> => {
    event.preventDefault();
    await unlock.run(async () => {
      const key = customerKey();
      if (!key) throw new Error('Enter the customer key this object was uploaded with.');
      setUnlockedHead(unwrap(await api.headObject(bucket, objectKey, key)));
      return 'The key matches: the object’s details are shown.';
    });
  };

  const download = (): Promise<boolean> =>
    action.run(async () => {
      setProgress({ loaded: 0, total: head?.size ?? 0 });
      try {
        const result = await api.downloadObject(bucket, objectKey, { ...customerOption(), onProgress: (p) => setProgress({ loaded: p.loadedBytes, total: p.totalBytes }) });
        if (!isOk(result) || !result.body) throw new ApiFailure(result);
        saveBlob(result.body.content, name.replace(/\/$/, '') || 'download');
        return `Downloaded ${name} (${formatBytes(result.body.content.size)}).`;
      } finally {
        setProgress(undefined);
      }
    });

  const showPreview = (): Promise<boolean> =>
    action.run(async () => {
      const kind = previewKindOf(objectKey, head?.contentType);
      if (!kind) throw new Error(`There is no preview for ${head?.contentType ? `content of type ${head.contentType}` : 'this kind of file'}; download it instead.`);
      setPreview(await loadPreview(api, { bucket, key: objectKey, kind, size: head?.size, customerKey: customerKey() }));
      return 'Preview shown below.';
    });

  return (
    <>
      <Breadcrumbs bucket={bucket} prefix={folder} objectName={name} />
      <ScreenHeading title={name} />
      {isLoading && <Loading what="object details" />}
      <ErrorText text={probe.error} />
      {isSseC && (
        <section class="panel" aria-labelledby="ssec-title">
          <h2 id="ssec-title" class="panel-title">
            Customer key (SSE-C)
          </h2>
          <p>This object is encrypted with a customer key. Enter that key to see its details, download it or preview it.</p>
          <form onSubmit={(e) => void checkKey(e)} noValidate>
            <CustomerKeyField id="object-customer-key" label="Customer key" value={keyText} onChange={(text) => { setKeyText(text); setUnlockedHead(undefined); }} />
            <button type="submit" class="button">
              Check key
            </button>
          </form>
          <ErrorText text={unlock.error} />
        </section>
      )}
      {head && <ObjectDetails head={head} keys={keys.data} />}
      {!isLoading && !probe.error && (
        <section class="panel" aria-labelledby="actions-title">
          <h2 id="actions-title" class="panel-title">
            Actions
          </h2>
          <div class="button-row">
            <button type="button" class="button button-primary" onClick={() => void download()} aria-disabled={action.busy}>
              Download
            </button>
            <button type="button" class="button" onClick={() => void showPreview()} aria-disabled={action.busy}>
              Preview
            </button>
            <button type="button" class="button" onClick={() => setDialog('copy')}>
              Copy or rename
            </button>
            <button type="button" class="button" onClick={() => setDialog('share')}>
              Share link
            </button>
            <button type="button" class="button button-danger-outline" onClick={() => setDialog('delete')}>
              Delete
            </button>
          </div>
          {progress && (
            <p class="progress-line">
              <progress max={Math.max(progress.total, 1)} value={progress.loaded} aria-label={`Download progress of ${name}`} /> {formatBytes(progress.loaded)}
              {progress.total ? ` of ${formatBytes(progress.total)}` : ''}
            </p>
          )}
          <ErrorText text={action.error} />
        </section>
      )}
      {preview && <PreviewView preview={preview} name={name} />}
      {dialog === 'copy' && <CopyObjectDialog bucket={bucket} objectKey={objectKey} isSourceSseC={isSseC} sourceKeyText={keyText} keys={keys.data} keysError={keys.error} onClose={() => setDialog(undefined)} />}
      {dialog === 'share' && <ShareDialog bucket={bucket} objectKey={objectKey} isSseC={isSseC} onClose={() => setDialog(undefined)} />}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete ${name}?`}
          confirmLabel="Delete object"
          onConfirm={async () => {
            unwrap(await api.deleteObject(bucket, objectKey));
            navigate({ screen: 'objects', bucket, prefix: folder });
            return `Deleted ${objectKey} from ${bucket}.`;
          }}
          onClose={() => setDialog(undefined)}
        >
          <p>
            <strong>{objectKey}</strong> will be deleted from <strong>{bucket}</strong>. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function ObjectDetails({ head, keys }: { head: ObjectHead; keys: KmsKey[] | undefined }) {
  const metadata = Object.entries(head.metadata);
  return (
    <section class="panel" aria-labelledby="details-title">
      <h2 id="details-title" class="panel-title">
        Details
      </h2>
      <dl class="details">
        <dt>Size</dt>
        <dd>
          {formatBytes(head.size)} <span class="hint">({head.size.toLocaleString('en-US')} bytes)</span>
        </dd>
        <dt>Last modified</dt>
        <dd>{formatDateTime(head.lastModified)}</dd>
        <dt>ETag</dt>
        <dd class="mono">{head.etag}</dd>
        <dt>Content type</dt>
        <dd>{head.contentType ?? 'not set'}</dd>
        <dt>Encryption</dt>
        <dd>
          <EncryptionBadge badge={head.encryption} keys={keys} />
        </dd>
        {metadata.map(([key, value]) => [
          <dt key={`k-${key}`}>Metadata: {key}</dt>,
          <dd key={`v-${key}`} class="mono">
            {value}
          </dd>,
        ])}
      </dl>
    </section>
  );
}
