/**
 * Preview of an object in the page: the first 1 MiB of a text object, or an image (up to 20 MiB)
 * through a blob URL that is revoked when the preview goes away. The content is decrypted by the
 * server with the customer key given, exactly like a download.
 */
import { useEffect } from 'preact/hooks';
import type { ConsoleApi, CustomerKey } from '../../api/contract.js';
import { ApiFailure, isOk } from '../failure.js';
import { formatBytes } from '../format.js';
import type { PreviewKind } from '../object-files.js';

export const TEXT_PREVIEW_BYTES = 1024 * 1024;
export const IMAGE_PREVIEW_BYTES = 20 * 1024 * 1024;

export type Preview = { kind: 'text'; text: string; isTruncated: boolean } | { kind: 'image'; url: string };

/** Fetches a preview; throws ApiFailure or Error with a user-facing message. */
export async function loadPreview(
  api: ConsoleApi,
  target: { bucket: string; key: string; kind: PreviewKind; size: number | undefined; customerKey: CustomerKey | undefined },
): Promise<Preview> {
  const customer = target.customerKey ? { customerKey: target.customerKey } : {};
  if (target.kind === 'image') {
    if (target.size !== undefined && target.size > IMAGE_PREVIEW_BYTES) throw new Error(`This image is ${formatBytes(target.size)}, too large to preview (the limit is ${formatBytes(IMAGE_PREVIEW_BYTES)}). Download it instead.`);
    const result = await api.downloadObject(target.bucket, target.key, customer);
    if (!isOk(result) || !result.body) throw new ApiFailure(result);
    return { kind: 'image', url: URL.createObjectURL(result.body.content) };
  }
  if (target.size === 0) return { kind: 'text', text: '', isTruncated: false };
  const result = await api.downloadObject(target.bucket, target.key, { ...customer, range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` });
  // An empty object has no byte 0: 416 means "nothing to show".
  if (result.status === 416) return { kind: 'text', text: '', isTruncated: false };
  if (!isOk(result) || !result.body) throw new ApiFailure(result);
  const text = new TextDecoder('utf-8').decode(await result.body.content.arrayBuffer());
  const size = target.size ?? result.body.head.size;
  return { kind: 'text', text, isTruncated: size > TEXT_PREVIEW_BYTES };
}

export function PreviewView({ preview, name }: { preview: Preview; name: string }) {
  useEffect(() => {
    if (preview.kind !== 'image') return;
    return () => URL.revokeObjectURL(preview.url);
  }, [preview]);
  return (
    <section class="panel" aria-labelledby="preview-title">
      <h2 id="preview-title" class="panel-title">
        Preview
      </h2>
      {preview.kind === 'image' ? (
        <img class="preview-image" src={preview.url} alt={`Preview of ${name}`} />
      ) : (
        <>
          {preview.isTruncated && <p class="hint">Showing the first {formatBytes(TEXT_PREVIEW_BYTES)} only.</p>}
          {preview.text === '' ? (
            <p class="empty">This object is empty.</p>
          ) : (
            <pre class="preview-text" tabIndex={0} aria-label={`Content of ${name}`}>
              {preview.text}
            </pre>
          )}
        </>
      )}
    </section>
  );
}
