/**
 * The OBS documentation's SSE-C example: upload a file with a customer key (32 bytes, here read
 * from a key file), read its metadata and download it with the same key; the server never
 * stores the key, so a request without it is refused.
 *
 *   node dist/examples/sse-c-file.js <bucket> <object> <local file> <key file>
 */
import { readFile } from 'node:fs/promises';
import { SseCHeader } from '../src/sdk/index.js';
import { check, clientFromEnvironment } from './common.js';

const [bucket, objectKey, localFile, keyFile] = process.argv.slice(2);
if (!bucket || !objectKey || !localFile || !keyFile) {
  console.error('usage: sse-c-file <bucket> <object> <local file> <key file>');
  process.exit(2);
}
const obsClient = clientFromEnvironment();
const sseHeader = new SseCHeader({ encryption: 'AES256', key: await readFile(keyFile) });

check('putFile (SSE-C)', await obsClient.putFile(bucket, objectKey, localFile, { sseHeader }));
const meta = await obsClient.getObjectMetadata(bucket, objectKey, { sseHeader });
check('getObjectMetadata', meta);
console.log(`size: ${meta.body?.contentLength} encryption: ${meta.body?.sseC} key MD5: ${meta.body?.sseCKeyMd5}`);

const withoutKey = await obsClient.getObject(bucket, objectKey);
console.log(`getObject without the key: ${withoutKey.status} ${withoutKey.errorCode}`);

const download = `${localFile}.downloaded`;
check('getObject (SSE-C)', await obsClient.getObject(bucket, objectKey, { sseHeader, saveAsFile: download }));
const same = Buffer.compare(await readFile(localFile), await readFile(download)) === 0;
console.log(same ? 'downloaded file matches' : 'downloaded file DIFFERS');
obsClient.close();
process.exit(same && withoutKey.status === 400 ? 0 : 1);
