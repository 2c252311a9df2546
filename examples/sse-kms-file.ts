/**
 * The OBS documentation's SSE-KMS example: upload a file encrypted with SSE-KMS (the default key,
 * or the key id given as the fourth argument), then download it. GET needs no key headers.
 *
 *   node dist/examples/sse-kms-file.js <bucket> <object> <local file> [kms key id]
 */
import { readFile } from 'node:fs/promises';
import { SseKmsHeader, type PutObjectHeader } from '../src/sdk/index.js';
import { check, clientFromEnvironment } from './common.js';

const [bucket, objectKey, localFile, keyId] = process.argv.slice(2);
if (!bucket || !objectKey || !localFile) {
  console.error('usage: sse-kms-file <bucket> <object> <local file> [kms key id]');
  process.exit(2);
}
const obsClient = clientFromEnvironment();

const headers: PutObjectHeader = { sseHeader: SseKmsHeader.getInstance(keyId) };
const put = await obsClient.putFile(bucket, objectKey, localFile, headers);
check('putFile (SSE-KMS)', put);

const download = `${localFile}.downloaded`;
const get = await obsClient.getObject(bucket, objectKey, { saveAsFile: download });
check('getObject', get);
console.log(`encryption: ${get.body?.sseKms} key: ${get.body?.sseKmsKey}`);
const same = Buffer.compare(await readFile(localFile), await readFile(download)) === 0;
console.log(same ? 'downloaded file matches' : 'downloaded file DIFFERS');
obsClient.close();
process.exit(same ? 0 : 1);
