import {
  ABSENT_CONFIG_NAMES,
  createBucket,
  deleteAbsentConfig,
  deleteBucket,
  deleteBucketEncryption,
  deleteBucketTagging,
  getAbsentConfig,
  getAcl,
  getBucketEncryption,
  getBucketLocation,
  getBucketTagging,
  getBucketVersioning,
  getOwnershipControls,
  getPublicAccessBlock,
  headBucket,
  listBuckets,
  putAcl,
  putBucketEncryption,
  putBucketTagging,
  putBucketVersioning,
} from './buckets.js';
import { header, requireBucket, sendEmpty, sendXml, type S3Call } from './context.js';
import { methodNotAllowed, notImplemented } from './errors.js';
import { listObjectVersions, listObjectsV1, listObjectsV2 } from './listing.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './multipart.js';
import {
  copyObject,
  deleteObject,
  deleteObjectTagging,
  deleteObjects,
  getObject,
  getObjectAcl,
  getObjectTagging,
  putObject,
  putObjectTagging,
  requireObject,
} from './objects.js';
import type { XmlChild } from './xml.js';

/** Bucket configurations S3 reports as empty documents when never set. */
const EMPTY_CONFIGS: Record<string, [string, XmlChild[]]> = {
  notification: ['NotificationConfiguration', []],
  logging: ['BucketLoggingStatus', []],
  accelerate: ['AccelerateConfiguration', []],
  requestPayment: ['RequestPaymentConfiguration', [['Payer', 'BucketOwner']]],
};

/** Bucket sub-resources Strata does not implement (PUT/GET answer 501 NotImplemented). */
const UNSUPPORTED = ['analytics', 'metrics', 'inventory', 'intelligent-tiering', 'replication', 'object-lock', 'policy', 'cors', 'lifecycle', 'website', 'notification', 'logging', 'accelerate', 'requestPayment', 'ownershipControls', 'publicAccessBlock', 'policyStatus', 'metadataTable'];

/** Dispatches an authenticated request to its operation by method, path and sub-resource. */
export async function route(call: S3Call): Promise<void> {
  const { method, query: q } = call;
  if (!call.bucket) {
    if (method === 'GET' || method === 'HEAD') return listBuckets(call);
    throw methodNotAllowed(method, 'SERVICE');
  }
  if (!call.key) return routeBucket(call);
  switch (method) {
    case 'GET':
      if (q.has('uploadId')) return listParts(call);
      if (q.has('tagging')) return getObjectTagging(call);
      if (q.has('acl')) return getObjectAcl(call);
      if (q.has('attributes') || q.has('torrent') || q.has('retention') || q.has('legal-hold')) throw notImplemented();
      return getObject(call);
    case 'HEAD':
      return getObject(call);
    case 'PUT':
      if (q.has('uploadId') || q.has('partNumber')) {
        return header(call, 'x-amz-copy-source') !== undefined ? uploadPartCopy(call) : uploadPart(call);
      }
      if (q.has('tagging')) return putObjectTagging(call);
      if (q.has('acl')) {
        requireObject(call);
        sendEmpty(call, 200);
        return;
      }
      if (q.has('retention') || q.has('legal-hold')) throw notImplemented();
      if (header(call, 'x-amz-copy-source') !== undefined) return copyObject(call);
      return putObject(call);
    case 'DELETE':
      if (q.has('uploadId')) return abortMultipartUpload(call);
      if (q.has('tagging')) return deleteObjectTagging(call);
      return deleteObject(call);
    case 'POST':
      if (q.has('uploads')) return createMultipartUpload(call);
      if (q.has('uploadId')) return completeMultipartUpload(call);
      throw notImplemented();
  }
  throw methodNotAllowed(method, 'OBJECT');
}

async function routeBucket(call: S3Call): Promise<void> {
  const { method, query: q } = call;
  switch (method) {
    case 'GET': {
      if (q.has('location')) return getBucketLocation(call);
      if (q.has('uploads')) return listMultipartUploads(call);
      if (q.has('versions')) return listObjectVersions(call);
      if (q.has('versioning')) return getBucketVersioning(call);
      if (q.has('encryption')) return getBucketEncryption(call);
      if (q.has('tagging')) return getBucketTagging(call);
      if (q.has('acl')) return getAcl(call);
      if (q.has('ownershipControls')) return getOwnershipControls(call);
      if (q.has('publicAccessBlock')) return getPublicAccessBlock(call);
      for (const name of ABSENT_CONFIG_NAMES) if (q.has(name)) return getAbsentConfig(call, name);
      for (const [name, [root, children]] of Object.entries(EMPTY_CONFIGS)) {
        if (q.has(name)) {
          requireBucket(call);
          return sendXml(call, 200, root, children);
        }
      }
      if (UNSUPPORTED.some((n) => q.has(n))) throw notImplemented();
      if (q.get('list-type') === '2') return listObjectsV2(call);
      return listObjectsV1(call);
    }
    case 'HEAD':
      return headBucket(call);
    case 'PUT':
      if (q.has('versioning')) return putBucketVersioning(call);
      if (q.has('encryption')) return putBucketEncryption(call);
      if (q.has('tagging')) return putBucketTagging(call);
      if (q.has('acl')) return putAcl(call);
      if (UNSUPPORTED.some((n) => q.has(n))) {
        requireBucket(call);
        throw notImplemented();
      }
      return createBucket(call);
    case 'DELETE':
      if (q.has('encryption')) return deleteBucketEncryption(call);
      if (q.has('tagging')) return deleteBucketTagging(call);
      if (UNSUPPORTED.some((n) => q.has(n))) return deleteAbsentConfig(call);
      return deleteBucket(call);
    case 'POST':
      if (q.has('delete')) return deleteObjects(call);
      throw notImplemented();
  }
  throw methodNotAllowed(method, 'BUCKET');
}
