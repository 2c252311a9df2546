/**
 * Multipart upload under SSE-C with copyPart: part 1 is uploaded from a file, part 2 is copied
 * from an existing SSE-C object (its own customer key), then the upload completes and the result
 * is read back with the target key.
 *
 *   node dist/examples/sse-c-multipart-copy.js <bucket> <local file ≥ 5 MiB> <key file> <source key file>
 */
import { readFile, stat } from 'node:fs/promises';
import { SseCHeader } from '../src/sdk/index.js';
import { check, clientFromEnvironment } from './common.js';

const [bucket, localFile, keyFile, sourceKeyFile] = process.argv.slice(2);
if (!bucket || !localFile || !keyFile || !sourceKeyFile) {
  console.error('usage: sse-c-multipart-copy <bucket> <local file> <key file> <source key file>');
  process.exit(2);
}
const obsClient = clientFromEnvironment();
const sseHeader = new SseCHeader({ key: await readFile(keyFile) });
const sourceSseHeader = new SseCHeader({ key: await readFile(sourceKeyFile) });

check('putContent (source, SSE-C)', await obsClient.putContent(bucket, 'copy-source.txt', 'the tail copied by copyPart', { sseHeader: sourceSseHeader }));
const init = await obsClient.initiateMultipartUpload(bucket, 'assembled.bin', { sseHeader });
check('initiateMultipartUpload', init);
const uploadId = init.body!.uploadId;
const size = (await stat(localFile)).size;
const part1 = await obsClient.uploadPart(bucket, 'assembled.bin', uploadId, 1, { file: localFile, offset: 0, size }, { sseHeader });
check('uploadPart 1', part1);
const part2 = await obsClient.copyPart(bucket, 'assembled.bin', uploadId, 2, { bucket, key: 'copy-source.txt', range: 'bytes=4-11' }, { sseHeader, sourceSseHeader });
check('copyPart 2', part2);
check('completeMultipartUpload', await obsClient.completeMultipartUpload(bucket, 'assembled.bin', uploadId, [
  { partNumber: 1, etag: part1.body!.etag },
  { partNumber: 2, etag: part2.body!.etag },
]));
const got = await obsClient.getObject(bucket, 'assembled.bin', { sseHeader });
check('getObject', got);
const expected = Buffer.concat([await readFile(localFile), Buffer.from('tail cop')]);
const same = Buffer.compare(got.body!.content as Buffer, expected) === 0;
console.log(same ? 'assembled object matches' : 'assembled object DIFFERS');
obsClient.close();
process.exit(same ? 0 : 1);
