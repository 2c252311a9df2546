/**
 * A minimal XMLHttpRequest stand-in built on Node's fetch, so the console client's XHR upload
 * path runs in node tests: open, request headers, send(Blob), load/error/abort events, response
 * status, headers and text. Upload progress is reported once, when the body has been sent (fetch
 * cannot observe it); each instance records the progress it reported and the headers it sent.
 */
import type { ProgressLike, XhrLike } from '../../console/src/api/transport.js';

export class FetchXhr implements XhrLike {
  readonly upload: { onprogress: ((event: ProgressLike) => void) | null } = { onprogress: null };
  onload: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onabort: ((event: unknown) => void) | null = null;
  status = 0;
  statusText = '';
  responseText = '';
  /** What the client set with setRequestHeader (for assertions). */
  readonly sentHeaders: Record<string, string> = {};
  private method = 'GET';
  private url = '';
  private responseHeaderLines = '';
  private readonly controller = new AbortController();

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.sentHeaders[name.toLowerCase()] = value;
  }

  getAllResponseHeaders(): string {
    return this.responseHeaderLines;
  }

  send(body: Blob): void {
    fetch(this.url, { method: this.method, headers: this.sentHeaders, body, signal: this.controller.signal }).then(
      async (response) => {
        this.responseText = await response.text();
        this.status = response.status;
        this.statusText = response.statusText;
        response.headers.forEach((value, name) => (this.responseHeaderLines += `${name}: ${value}\r\n`));
        this.upload.onprogress?.({ loaded: body.size, total: body.size, lengthComputable: true });
        this.onload?.({});
      },
      (e: unknown) => ((e as { name?: string }).name === 'AbortError' ? this.onabort?.({}) : this.onerror?.({})),
    );
  }

  abort(): void {
    this.controller.abort();
  }
}

/** A factory that keeps every XHR it made, so a test can see how many requests went through XHR. */
export function recordingXhrFactory(): { factory: () => XhrLike; made: FetchXhr[] } {
  const made: FetchXhr[] = [];
  return {
    made,
    factory: () => {
      const xhr = new FetchXhr();
      made.push(xhr);
      return xhr;
    },
  };
}
