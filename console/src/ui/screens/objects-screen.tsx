/**
 * A bucket's objects under a prefix: breadcrumbs, folders (common prefixes), objects with size,
 * date, ETag and an encryption badge (one HEAD per visible row, four at a time), page by page
 * with continuation tokens, and the upload panel.
 */
import { useState } from 'preact/hooks';
import type { KmsKey, ObjectPage } from '../../api/contract.js';
import { Breadcrumbs } from '../parts/breadcrumbs.js';
import { EncryptionBadge, type BadgeState } from '../parts/encryption-badge.js';
import { DataTable } from '../parts/data-table.js';
import { ErrorText, Loading } from '../parts/messages.js';
import { ScreenHeading } from '../parts/screen-heading.js';
import { formatBytes, formatDateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { useKmsKeys } from '../kms-keys.js';
import { usePerRow } from '../limited.js';
import { badgeFromHead } from '../object-badge.js';
import { routeHref } from '../router.js';
import { useServices } from '../services.js';
import { UploadPanel } from './upload-panel.js';

const PAGE_SIZES = [25, 50, 100, 200];
const BADGES_IN_FLIGHT = 4;

export function ObjectsScreen({ bucket, prefix }: { bucket: string; prefix: string }) {
  const { api } = useServices();
  const keys = useKmsKeys();
  const [pageSize, setPageSize] = useState(50);
  /** Continuation tokens of the pages visited so far; the last one is shown (undefined = first page). */
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  const token = tokens[tokens.length - 1];
  const listing = useLoad(() => api.listObjects(bucket, { prefix, maxKeys: pageSize, ...(token ? { continuationToken: token } : {}) }), [bucket, prefix, token, pageSize]);
  const badges = usePerRow(listing.data?.objects, (o) => o.key, async (o) => badgeFromHead(await api.headObject(bucket, o.key)), BADGES_IN_FLIGHT);
  const [isUploadOpen, setUploadOpen] = useState(false);
  const folderName = prefix.split('/').filter(Boolean).pop();
  const nextToken = listing.data?.isTruncated ? listing.data.nextContinuationToken : undefined;
  /**
   * While a page loads the previous one stays on screen, and its next token is already on the
   * stack: a second click (a double click) must not push it again and show the same page as "Page 3".
   */
  const isTurning = listing.loading || (nextToken !== undefined && tokens.includes(nextToken));
  const turnPage = (next: Array<string | undefined>): void => {
    if (!isTurning) setTokens(next);
  };

  return (
    <>
      <Breadcrumbs bucket={bucket} prefix={prefix} />
      <ScreenHeading title={folderName ? `${folderName}/ in ${bucket}` : `Bucket ${bucket}`} />
      <div class="toolbar">
        <button type="button" class="button button-primary" aria-expanded={isUploadOpen} aria-controls={isUploadOpen ? 'upload-panel' : undefined} onClick={() => setUploadOpen(!isUploadOpen)}>
          {isUploadOpen ? 'Hide upload' : 'Upload files'}
        </button>
        <button type="button" class="button" onClick={listing.reload}>
          Refresh
        </button>
        <div class="field field-inline">
          <label for="page-size">Rows per page</label>
          <select
            id="page-size"
            value={String(pageSize)}
            onChange={(e) => {
              setPageSize(Number(e.currentTarget.value));
              setTokens([undefined]);
            }}
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </div>
      {isUploadOpen && <UploadPanel bucket={bucket} prefix={prefix} keys={keys.data} keysError={keys.error} onUploaded={listing.reload} />}
      <ErrorText text={listing.error} />
      {listing.data === undefined && !listing.error && <Loading what="objects" />}
      {listing.data && <ObjectTable bucket={bucket} page={listing.data} badges={badges} keys={keys.data} />}
      {listing.data && (
        <nav class="pager" aria-label="Pages">
          <button type="button" class="button" disabled={tokens.length === 1} aria-disabled={isTurning} onClick={() => turnPage(tokens.slice(0, -1))}>
            Previous page
          </button>
          <span class="pager-position">Page {tokens.length}</span>
          <button type="button" class="button" disabled={nextToken === undefined} aria-disabled={isTurning} onClick={() => turnPage([...tokens, nextToken])}>
            Next page
          </button>
        </nav>
      )}
    </>
  );
}

interface ObjectTableProps {
  bucket: string;
  page: ObjectPage;
  badges: Map<string, BadgeState>;
  keys: KmsKey[] | undefined;
}

function ObjectTable({ bucket, page, badges, keys }: ObjectTableProps) {
  if (page.commonPrefixes.length === 0 && page.objects.length === 0) {
    return <p class="empty">{page.prefix ? 'This folder is empty.' : 'This bucket is empty. Use “Upload files” to add objects.'}</p>;
  }
  const relative = (name: string): string => name.slice(page.prefix.length);
  return (
    <DataTable caption={`Objects and folders in ${page.prefix || bucket}`} columns={['Name', 'Size', 'Last modified', 'ETag', 'Encryption']}>
      {page.commonPrefixes.map((folder) => (
        <tr key={folder} class="row-folder">
          <th scope="row" data-label="Name">
            <a href={routeHref({ screen: 'objects', bucket, prefix: folder })}>
              <span aria-hidden="true" class="folder-mark">
                ▸{' '}
              </span>
              {relative(folder)}
            </a>
          </th>
          <td data-label="Size">Folder</td>
          <td data-label="Last modified" class="cell-empty">—</td>
          <td data-label="ETag" class="cell-empty">—</td>
          <td data-label="Encryption" class="cell-empty">—</td>
        </tr>
      ))}
      {page.objects.map((object) => (
        <tr key={object.key}>
          <th scope="row" data-label="Name">
            <a href={routeHref({ screen: 'object', bucket, key: object.key })}>{relative(object.key) || object.key}</a>
          </th>
          <td data-label="Size">{formatBytes(object.size)}</td>
          <td data-label="Last modified" class="cell-nowrap">
            {formatDateTime(object.lastModified)}
          </td>
          <td data-label="ETag" class="mono cell-etag">
            {object.etag}
          </td>
          <td data-label="Encryption">
            <EncryptionBadge badge={object.encryption ?? badges.get(object.key)} keys={keys} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
