/**
 * Small helpers around object keys and content in the browser: a key's folder and file name,
 * what kind of preview fits it, and saving a Blob as a download through a short-lived blob URL.
 */

/** "photos/2024/cat.jpg" → { folder: "photos/2024/", name: "cat.jpg" }. */
export function splitKey(key: string): { folder: string; name: string } {
  const at = key.lastIndexOf('/', key.length - 2);
  return { folder: key.slice(0, at + 1), name: key.slice(at + 1) };
}

export type PreviewKind = 'text' | 'image';

const TEXT_EXTENSIONS = ['txt', 'md', 'csv', 'tsv', 'log', 'json', 'xml', 'yaml', 'yml', 'toml', 'ini', 'html', 'htm', 'css', 'js', 'mjs', 'ts', 'tsx', 'sh', 'py', 'go', 'rs', 'c', 'h', 'java', 'sql'];
const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'bmp', 'svg', 'ico'];

/** Text or image by content type, else by the name's extension; undefined when neither. */
export function previewKindOf(key: string, contentType: string | undefined): PreviewKind | undefined {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('text/') || /json|xml|yaml|javascript|csv/.test(type)) return 'text';
  if (type && type !== 'application/octet-stream' && type !== 'binary/octet-stream') return undefined;
  const extension = key.toLowerCase().split('.').pop() ?? '';
  if (IMAGE_EXTENSIONS.includes(extension)) return 'image';
  if (TEXT_EXTENSIONS.includes(extension)) return 'text';
  return undefined;
}

/** Hands a Blob to the browser as a file download named `fileName`. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; keep the URL a while for slow browsers, then free it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
