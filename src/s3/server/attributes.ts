import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { header, type S3Call } from './context.js';
import { S3Error, invalidArgument, notImplemented } from './errors.js';
import type { BucketRecord, ObjectAttributes, ObjectRecord, SseSettings, UploadRecord } from './store.js';

const REPRESENTATION_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires', 'x-amz-website-redirect-location'];
const STORAGE_CLASSES = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'GLACIER_IR',
  'SNOW',
  'EXPRESS_ONEZONE',
]);
const MAX_METADATA_BYTES = 2048;

/** Content-Encoding as stored: the transfer-only "aws-chunked" coding removed. */
function storedContentEncoding(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const codings = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s.toLowerCase() !== 'aws-chunked');
  return codings.length > 0 ? codings.join(', ') : undefined;
}

/** Content-Type, representation headers, x-amz-meta-*, storage class and tagging from a PUT-like request. */
export function attributesFromRequest(call: S3Call, bucket: BucketRecord): ObjectAttributes {
  const headers: Record<string, string> = {};
  for (const name of REPRESENTATION_HEADERS) {
    const v = name === 'content-encoding' ? storedContentEncoding(header(call, name)) : header(call, name);
    if (v !== undefined) headers[name] = v;
  }
  return {
    contentType: header(call, 'content-type') ?? 'binary/octet-stream',
    headers,
    metadata: userMetadata(call),
    sse: sseFromRequest(call, bucket),
    storageClass: storageClass(call),
    tags: taggingHeader(call),
  };
}

export function userMetadata(call: S3Call): Record<string, string> {
  const metadata: Record<string, string> = {};
  let bytes = 0;
  const raw = call.req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!name.startsWith('x-amz-meta-')) continue;
    const short = name.slice('x-amz-meta-'.length);
    const value = raw[i + 1]!;
    metadata[short] = metadata[short] !== undefined ? `${metadata[short]},${value}` : value;
  }
  for (const [k, v] of Object.entries(metadata)) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (bytes > MAX_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size', 400, [
      ['Size', String(bytes)],
      ['MaxSizeAllowed', String(MAX_METADATA_BYTES)],
    ]);
  }
  return metadata;
}

export function storageClass(call: S3Call): string {
  const sc = header(call, 'x-amz-storage-class');
  if (sc === undefined) return 'STANDARD';
  if (!STORAGE_CLASSES.has(sc)) {
    throw new S3Error('InvalidStorageClass', 'The storage class you specified is not valid', 400, [['StorageClassRequested', sc]]);
  }
  return sc;
}

/** Validates an URL-encoded tag set (x-amz-tagging) and returns it normalised, or null when absent/empty. */
export function taggingHeader(call: S3Call): string | null {
  const v = header(call, 'x-amz-tagging');
  if (v === undefined || v === '') return null;
  return encodeTags(validateTags([...new URLSearchParams(v)]));
}

export function validateTags(tags: Array<[string, string]>, max = 10): Array<[string, string]> {
  if (tags.length > max) throw new S3Error('BadRequest', `Object tags cannot be greater than ${max}`, 400);
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k.length === 0 || k.length > 128) throw new S3Error('InvalidTag', 'The TagKey you have provided is invalid', 400, [['TagKey', k]]);
    if (v.length > 256) throw new S3Error('InvalidTag', 'The TagValue you have provided is invalid', 400, [['TagKey', k], ['TagValue', v]]);
    if (seen.has(k)) throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key', 400, [['TagKey', k]]);
    seen.add(k);
  }
  return tags;
}

export function encodeTags(tags: Array<[string, string]>): string | null {
  if (tags.length === 0) return null;
  return tags.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export function decodeTags(tags: string | null): Array<[string, string]> {
  return tags ? [...new URLSearchParams(tags)] : [];
}

/** The ARN S3 reports for a KMS key given as an id, alias or ARN (the account's aws/s3 key when none is given). */
export function kmsKeyArn(keyId: string | undefined, account: string, region: string): string {
  if (keyId === undefined || keyId === '') {
    const h = createHash('sha256').update(`aws/s3:${account}:${region}`).digest('hex');
    return `arn:aws:kms:${region}:${account}:key/${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }
  if (keyId.startsWith('arn:')) return keyId;
  if (keyId.startsWith('alias/')) return `arn:aws:kms:${region}:${account}:${keyId}`;
  return `arn:aws:kms:${region}:${account}:key/${keyId}`;
}

/** x-amz-server-side-encryption[-aws-kms-key-id|-bucket-key-enabled], falling back to the bucket default (SSE-S3). */
export function sseFromRequest(call: S3Call, bucket: BucketRecord): SseSettings {
  if (header(call, 'x-amz-server-side-encryption-customer-algorithm') !== undefined) {
    throw notImplemented('x-amz-server-side-encryption-customer-algorithm');
  }
  const alg = header(call, 'x-amz-server-side-encryption');
  const keyId = header(call, 'x-amz-server-side-encryption-aws-kms-key-id');
  const bucketKey = header(call, 'x-amz-server-side-encryption-bucket-key-enabled');
  if (alg === undefined) {
    if (keyId !== undefined) {
      throw invalidArgument(
        'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id',
        keyId,
      );
    }
    return bucket.encryption ?? { algorithm: 'AES256' };
  }
  if (alg !== 'AES256' && alg !== 'aws:kms' && alg !== 'aws:kms:dsse') {
    throw invalidArgument('The encryption method specified is not supported', 'x-amz-server-side-encryption', alg);
  }
  if (alg === 'AES256') {
    if (keyId !== undefined) {
      throw invalidArgument(
        'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id',
        keyId,
      );
    }
    return { algorithm: 'AES256' };
  }
  const sse: SseSettings = { algorithm: alg, kmsKeyId: kmsKeyArn(keyId, bucket.owner, bucket.region) };
  if (bucketKey !== undefined) sse.bucketKeyEnabled = bucketKey.toLowerCase() === 'true';
  else if (bucket.encryption?.bucketKeyEnabled) sse.bucketKeyEnabled = true;
  return sse;
}

export function sseHeaders(sse: SseSettings): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { 'x-amz-server-side-encryption': sse.algorithm };
  if (sse.kmsKeyId) h['x-amz-server-side-encryption-aws-kms-key-id'] = sse.kmsKeyId;
  if (sse.bucketKeyEnabled) h['x-amz-server-side-encryption-bucket-key-enabled'] = 'true';
  return h;
}

/** Headers describing a stored object (GET/HEAD), minus length/range. */
export function objectHeaders(obj: ObjectRecord | UploadRecord): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { 'Content-Type': obj.contentType, ...sseHeaders(obj.sse) };
  for (const [k, v] of Object.entries(obj.headers)) h[k] = v;
  for (const [k, v] of Object.entries(obj.metadata)) h[`x-amz-meta-${k}`] = v;
  if (obj.storageClass !== 'STANDARD') h['x-amz-storage-class'] = obj.storageClass;
  return h;
}

/** Strips quotes from an ETag as clients send it. */
export function bareEtag(e: string): string {
  const t = e.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t.startsWith('W/"') ? t.slice(3, -1) : t;
}

/** True when an If-Match / If-None-Match list matches the ETag ('*' matches anything). */
export function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((e) => {
    const t = e.trim();
    return t === '*' || bareEtag(t) === etag;
  });
}
