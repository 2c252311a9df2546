/** Small body helpers shared by the e2e tests. */

/** Reads a whole response body (SDK stream, Node stream or web stream) into a Buffer. */
export async function bodyBytes(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** A multipart/form-data body (fields in order, then the file), as a browser would send it. */
export async function encodeForm(fields: Record<string, string>, file: string | Buffer, filename: string): Promise<{ contentType: string; body: Buffer }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([typeof file === 'string' ? file : new Uint8Array(file)]), filename);
  const req = new Request('http://form.invalid/', { method: 'POST', body: form });
  return { contentType: req.headers.get('content-type')!, body: Buffer.from(await req.arrayBuffer()) };
}
