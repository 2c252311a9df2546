/**
 * The upstream-S3 BlobStore against Ceph RGW (../shared/peers/ceph/start.sh, a one-node cluster
 * on loopback in its own dir and ports, stopped and wiped after): the BlobStore conformance suite
 * and the S3 cases (many parts, ranges across parts, aborted and swept uploads, part copies) that
 * tests/conformance runs against an Obscura upstream.
 */
import { blobStoreSuite } from '../tests/conformance/blob-store-suite.js';
import { prepareUpstream, s3BlobStoreCases, s3SuiteFactory, type S3Upstream } from '../tests/conformance/s3-blob-store-cases.js';
import { startTestCeph, type TestCeph } from '../tests/helpers/ceph.js';

const MiB = 1024 * 1024;

let ceph: TestCeph | undefined;
const upstream: Promise<S3Upstream> = prepareUpstream(
  async () => {
    ceph = await startTestCeph();
    return { endpoint: ceph.endpoint, region: ceph.region, accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey, bucket: 'obscura-blobs' };
  },
  async () => {
    await ceph?.stop();
  },
);

blobStoreSuite('S3BlobStore (Ceph RGW upstream)', s3SuiteFactory(() => upstream, { partBytes: 5 * MiB }), { randomAccess: false });
s3BlobStoreCases('S3BlobStore (Ceph RGW upstream)', () => upstream);
