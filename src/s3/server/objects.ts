import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import {
  attributesFromRequest,
  decodeTags,
  encodeTags,
  etagMatches,
  objectHeaders,
  sseFromRequest,
  sseHeaders,
  storageClass,
  taggingHeader,
} from './attributes.js';
import { checksumRequest } from './body.js';
import { checksumHeader, type ChecksumAlgorithm } from './checksums.js';
import { parseTagging, parseXmlBody, tagSetXml } from './buckets.js';
import { canonicalId, header, httpDate, isoSeconds, ownerXml, requireBucket, sendEmpty, sendXml, type S3Call } from './context.js';
import {
  S3Error,
  invalidArgument,
  invalidRange,
  invalidRequest,
  keyTooLong,
  malformedXml,
  noSuchBucket,
  noSuchKey,
  notImplemented,
  preconditionFailed,
} from './errors.js';
import { BucketVanished, type BucketRecord, type ObjectRecord, type S3Store, type Segment } from './store.js';
import { childText, childrenNamed, type XmlChild } from './xml.js';

export const MAX_PUT_SIZE = 5 * 1024 ** 3;

export function checkKey(key: string): void {
  const n = Buffer.byteLength(key, 'utf8');
  if (n > 1024) throw keyTooLong(n);
  if (n === 0) throw invalidArgument('Object key must not be empty', 'key', '');
}

/** If-None-Match: * and If-Match on writes (S3 conditional writes). */
export function writeConditions(call: S3Call): (existing: ObjectRecord | undefined) => void {
  const ifNoneMatch = header(call, 'if-none-match');
  const ifMatch = header(call, 'if-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw notImplemented('If-None-Match');
  return (existing) => {
    if (ifNoneMatch !== undefined && existing) throw preconditionFailed('If-None-Match');
    if (ifMatch !== undefined) {
      if (!existing) throw noSuchKey(call.key);
      if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed('If-Match');
    }
  };
}

export function checksumResponseHeaders(alg: string | null | undefined, value: string | null | undefined, type?: string): OutgoingHttpHeaders {
  if (!alg || !value) return {};
  const h: OutgoingHttpHeaders = { [checksumHeader(alg as ChecksumAlgorithm)]: value };
  if (type) h['x-amz-checksum-type'] = type;
  return h;
}

export async function putObject(call: S3Call): Promise<void> {
  const bucket = requireBucket(call);
  checkKey(call.key);
  const attrs = attributesFromRequest(call, bucket);
  const condition = writeConditions(call);
  condition(call.store.getObject(bucket.name, call.key));
  const body = call.body({ maxSize: MAX_PUT_SIZE, checksum: checksumRequest(call.req.headers) });
  const segment = await call.store.writeBlob(body);
  const alg = body.spec.checksum?.algorithm;
  const rec: ObjectRecord = {
    ...attrs,
    bucket: bucket.name,
    key: call.key,
    size: segment.size,
    etag: body.md5Hex,
    lastModifiedMs: call.nowMs(),
    segments: [segment],
    partsCount: null,
    checksum: alg && body.checksumValue ? { algorithm: alg, value: body.checksumValue, type: 'FULL_OBJECT' } : null,
  };
  await commit(call.store, rec, condition);
  sendEmpty(call, 200, {
    ETag: `"${rec.etag}"`,
    ...sseHeaders(rec.sse),
    ...checksumResponseHeaders(rec.checksum?.algorithm, rec.checksum?.value, rec.checksum ? 'FULL_OBJECT' : undefined),
  });
}

export async function commit(store: S3Store, rec: ObjectRecord, check?: (existing: ObjectRecord | undefined) => void): Promise<void> {
  try {
    await store.putObject(rec, check);
  } catch (e) {
    if (e instanceof BucketVanished) throw noSuchBucket(rec.bucket);
    throw e;
  }
}

// ---- reads --------------------------------------------------------------------------------------------

/** Evaluates If-Match / If-Unmodified-Since / If-None-Match / If-Modified-Since as S3 does; 'not-modified' means 304. */
function readConditions(call: S3Call, obj: ObjectRecord): 'ok' | 'not-modified' {
  const ifMatch = header(call, 'if-match');
  const ifNoneMatch = header(call, 'if-none-match');
  const ifModifiedSince = header(call, 'if-modified-since');
  const ifUnmodifiedSince = header(call, 'if-unmodified-since');
  const modified = Math.floor(obj.lastModifiedMs / 1000) * 1000;
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, obj.etag)) throw preconditionFailed('If-Match');
  } else if (ifUnmodifiedSince !== undefined) {
    const t = Date.parse(ifUnmodifiedSince);
    if (!Number.isNaN(t) && modified > t) throw preconditionFailed('If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, obj.etag)) return 'not-modified';
  } else if (ifModifiedSince !== undefined) {
    const t = Date.parse(ifModifiedSince);
    if (!Number.isNaN(t) && modified <= t && t <= call.nowMs()) return 'not-modified';
  }
  return 'ok';
}

interface Slice {
  file: string;
  start: number;
  end: number; // inclusive
}

function slicesOf(obj: ObjectRecord, start: number, end: number): Slice[] {
  const out: Slice[] = [];
  let pos = 0;
  for (const seg of obj.segments) {
    const segStart = pos;
    const segEnd = pos + seg.size - 1;
    pos += seg.size;
    if (seg.size === 0 || segEnd < start || segStart > end) continue;
    out.push({ file: seg.file, start: Math.max(start, segStart) - segStart, end: Math.min(end, segEnd) - segStart });
  }
  return out;
}

/** Parses a single-range "bytes=" header; null when absent or not a byte-range S3 honours (then the whole object is sent). */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | null {
  if (value === undefined) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) throw invalidRange(size, value);
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && end < start) return null;
  if (start >= size) throw invalidRange(size, value);
  return { start, end: Math.min(end, size - 1) };
}

function partNumberParam(call: S3Call): number | null {
  const t = call.query.get('partNumber');
  if (t === null) return null;
  const n = Number(t);
  if (!/^\d+$/.test(t) || n < 1 || n > 10000) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', t);
  return n;
}

const OVERRIDES: Array<[string, string]> = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

function readHeaders(call: S3Call, obj: ObjectRecord): OutgoingHttpHeaders {
  const h = objectHeaders(obj);
  // Stored names are lower case; the overrides replace them.
  for (const [param, name] of OVERRIDES) {
    const v = call.query.get(param);
    if (v !== null) {
      if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(v)) throw invalidArgument(`Invalid value for ${param}`, param, v);
      delete h[name.toLowerCase()];
      // Header values travel as bytes: send the UTF-8 of the override, as S3 does.
      h[name] = Buffer.from(v, 'utf8').toString('latin1');
    }
  }
  h.ETag = `"${obj.etag}"`;
  h['Last-Modified'] = httpDate(obj.lastModifiedMs);
  h['Accept-Ranges'] = 'bytes';
  const tags = decodeTags(obj.tags);
  if (tags.length > 0) h['x-amz-tagging-count'] = String(tags.length);
  return h;
}

export async function getObject(call: S3Call): Promise<void> {
  const bucket = requireBucket(call);
  const isHead = call.method === 'HEAD';
  for (let attempt = 0; ; attempt++) {
    const obj = call.store.getObject(bucket.name, call.key);
    if (!obj) throw noSuchKey(call.key);
    const headers = readHeaders(call, obj);
    if (readConditions(call, obj) === 'not-modified') {
      sendEmpty(call, 304, { ETag: headers.ETag, 'Last-Modified': headers['Last-Modified'] });
      return;
    }
    const partNumber = partNumberParam(call);
    const rangeHeader = header(call, 'range');
    if (partNumber !== null && rangeHeader !== undefined) throw invalidRequest('Cannot specify both Range header and partNumber query parameter');
    let range: { start: number; end: number } | null = null;
    let status = 200;
    if (partNumber !== null) {
      const sizes = obj.partsCount ? obj.segments.map((s) => s.size) : [obj.size];
      if (partNumber > sizes.length) {
        throw new S3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416, [['PartNumberRequested', String(partNumber)], ['ActualPartCount', String(sizes.length)]]);
      }
      const start = sizes.slice(0, partNumber - 1).reduce((a, b) => a + b, 0);
      range = { start, end: start + sizes[partNumber - 1]! - 1 };
      if (obj.partsCount) headers['x-amz-mp-parts-count'] = String(obj.partsCount);
      status = 206;
    } else {
      range = parseRange(rangeHeader, obj.size);
      if (range) status = 206;
    }
    if (status === 206 && range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${obj.size}`;
    const start = range ? range.start : 0;
    const end = range ? range.end : obj.size - 1;
    headers['Content-Length'] = String(Math.max(0, end - start + 1));
    if (header(call, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' && obj.checksum && status === 200) {
      Object.assign(headers, checksumResponseHeaders(obj.checksum.algorithm, obj.checksum.value, obj.checksum.type));
    }
    if (isHead) {
      sendEmpty(call, status, headers);
      return;
    }
    const slices = slicesOf(obj, start, end);
    let first: FileHandle | null = null;
    if (slices.length > 0) {
      try {
        first = await open(call.store.blobPath(slices[0]!.file), 'r');
      } catch (e) {
        // Replaced or deleted between the lookup and the open: look again.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 3) continue;
        throw e;
      }
    }
    call.res.writeHead(status, { 'x-amz-request-id': call.requestId, 'x-amz-id-2': call.hostId, ...headers });
    await streamSlices(call, slices, first);
    return;
  }
}

async function streamSlices(call: S3Call, slices: Slice[], first: FileHandle | null): Promise<void> {
  const res = call.res;
  for (let i = 0; i < slices.length; i++) {
    const s = slices[i]!;
    const fh = i === 0 && first ? first : await open(call.store.blobPath(s.file), 'r');
    const rs = fh.createReadStream({ start: s.start, end: s.end, highWaterMark: 512 * 1024, autoClose: true });
    await pipeline(rs, res, { end: false });
  }
  res.end();
}

/** Reads [start, end] of an object as a stream of chunks. */
export async function* readRange(store: S3Store, obj: ObjectRecord, start: number, end: number): AsyncGenerator<Buffer> {
  for (const s of slicesOf(obj, start, end)) {
    const fh = await open(store.blobPath(s.file), 'r');
    const rs = fh.createReadStream({ start: s.start, end: s.end, highWaterMark: 1024 * 1024, autoClose: true });
    for await (const chunk of rs) yield chunk as Buffer;
  }
}

// ---- deletes ------------------------------------------------------------------------------------------

export async function deleteObject(call: S3Call): Promise<void> {
  const bucket = requireBucket(call);
  const ifMatch = header(call, 'if-match');
  if (ifMatch !== undefined) {
    const existing = call.store.getObject(bucket.name, call.key);
    if (!existing) throw noSuchKey(call.key);
    if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed('If-Match');
  }
  await call.store.deleteObject(bucket.name, call.key);
  sendEmpty(call, 204);
}

export async function deleteObjects(call: S3Call): Promise<void> {
  const bucket = requireBucket(call);
  const h = call.req.headers;
  const hasDigest =
    h['content-md5'] !== undefined ||
    Object.keys(h).some((k) => k.startsWith('x-amz-checksum-') && k !== 'x-amz-checksum-mode') ||
    h['x-amz-trailer'] !== undefined ||
    h['x-amz-sdk-checksum-algorithm'] !== undefined;
  if (!hasDigest) throw invalidRequest('Missing required header for this request: Content-MD5');
  const doc = await parseXmlBody(call, 4 * 1024 * 1024);
  if (!doc || doc.name !== 'Delete') throw malformedXml();
  const quiet = childText(doc, 'Quiet') === 'true';
  const objects = childrenNamed(doc, 'Object');
  if (objects.length === 0 || objects.length > 1000) throw malformedXml();
  const results: XmlChild[] = [];
  for (const o of objects) {
    const key = childText(o, 'Key');
    if (key === undefined) throw malformedXml();
    const versionId = childText(o, 'VersionId');
    if (Buffer.byteLength(key) > 1024 || key === '') {
      results.push(['Error', [['Key', key], ['Code', 'InvalidArgument'], ['Message', 'Invalid key']]]);
      continue;
    }
    if (versionId !== undefined && versionId !== 'null') {
      results.push(['Error', [['Key', key], ['VersionId', versionId], ['Code', 'NoSuchVersion'], ['Message', 'The specified version does not exist.']]]);
      continue;
    }
    await call.store.deleteObject(bucket.name, key);
    if (!quiet) results.push(['Deleted', [['Key', key], ['VersionId', versionId]]]);
  }
  sendXml(call, 200, 'DeleteResult', results);
}

// ---- copies -------------------------------------------------------------------------------------------

export interface CopySource {
  bucket: BucketRecord;
  object: ObjectRecord;
}

/** Resolves x-amz-copy-source ("bucket/key[?versionId=...]", URL-encoded) and its conditions. */
export function copySource(call: S3Call): CopySource {
  const raw = header(call, 'x-amz-copy-source') ?? '';
  let value = raw;
  const q = value.indexOf('?');
  let versionId: string | null = null;
  if (q >= 0) {
    versionId = new URLSearchParams(value.slice(q + 1)).get('versionId');
    value = value.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', raw);
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', raw);
  }
  const bucketName = decoded.slice(0, slash);
  const key = decoded.slice(slash + 1);
  const bucket = requireBucket(call, bucketName, 'x-amz-source-expected-bucket-owner');
  const object = call.store.getObject(bucketName, key);
  if (!object) throw noSuchKey(key);
  if (versionId !== null && versionId !== 'null') {
    throw new S3Error('NoSuchVersion', 'The specified version does not exist.', 404, [['Key', key], ['VersionId', versionId]]);
  }
  const ifMatch = header(call, 'x-amz-copy-source-if-match');
  const ifNoneMatch = header(call, 'x-amz-copy-source-if-none-match');
  const ifModifiedSince = header(call, 'x-amz-copy-source-if-modified-since');
  const ifUnmodifiedSince = header(call, 'x-amz-copy-source-if-unmodified-since');
  const modified = Math.floor(object.lastModifiedMs / 1000) * 1000;
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed('x-amz-copy-source-If-Match');
  } else if (ifUnmodifiedSince !== undefined && modified > Date.parse(ifUnmodifiedSince)) {
    throw preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, object.etag)) throw preconditionFailed('x-amz-copy-source-If-None-Match');
  } else if (ifModifiedSince !== undefined && modified <= Date.parse(ifModifiedSince)) {
    throw preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
  return { bucket, object };
}

/**
 * Copies [start, end] of an object into a new blob. A whole single-file object is hard-linked (its ETag
 * carries over); anything else is streamed and hashed.
 */
export async function copyBytes(store: S3Store, obj: ObjectRecord, start: number, end: number): Promise<{ segment: Segment; md5: string }> {
  const whole = start === 0 && end === obj.size - 1;
  if (whole && obj.segments.length === 1 && obj.partsCount === null) {
    const linked = await store.linkBlob(obj.segments[0]!.file, obj.size);
    if (linked) return { segment: linked, md5: obj.etag };
  }
  const md5 = createHash('md5');
  async function* hashed(): AsyncGenerator<Buffer> {
    if (end < start) return;
    for await (const chunk of readRange(store, obj, start, end)) {
      md5.update(chunk);
      yield chunk;
    }
  }
  const segment = await store.writeBlob(hashed());
  return { segment, md5: md5.digest('hex') };
}

export async function copyObject(call: S3Call): Promise<void> {
  const bucket = requireBucket(call);
  checkKey(call.key);
  const src = copySource(call);
  if (src.object.size > MAX_PUT_SIZE) {
    throw invalidRequest(`The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_PUT_SIZE}`);
  }
  const metadataDirective = (header(call, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  const taggingDirective = (header(call, 'x-amz-tagging-directive') ?? 'COPY').toUpperCase();
  if (metadataDirective !== 'COPY' && metadataDirective !== 'REPLACE') {
    throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', metadataDirective);
  }
  if (taggingDirective !== 'COPY' && taggingDirective !== 'REPLACE') {
    throw invalidArgument('Unknown tagging directive.', 'x-amz-tagging-directive', taggingDirective);
  }
  const sameObject = src.bucket.name === bucket.name && src.object.key === call.key;
  const changesSomething =
    metadataDirective === 'REPLACE' ||
    header(call, 'x-amz-server-side-encryption') !== undefined ||
    header(call, 'x-amz-storage-class') !== undefined ||
    header(call, 'x-amz-website-redirect-location') !== undefined;
  if (sameObject && !changesSomething) {
    throw invalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const requested = attributesFromRequest(call, bucket);
  const attrs =
    metadataDirective === 'REPLACE'
      ? requested
      : { ...requested, contentType: src.object.contentType, headers: src.object.headers, metadata: src.object.metadata };
  attrs.sse = sseFromRequest(call, bucket);
  attrs.storageClass = storageClass(call);
  attrs.tags = taggingDirective === 'REPLACE' ? taggingHeader(call) : src.object.tags;
  const condition = writeConditions(call);
  const { segment, md5 } = await copyBytes(call.store, src.object, 0, src.object.size - 1);
  const keepChecksum = src.object.checksum && src.object.checksum.type === 'FULL_OBJECT' ? src.object.checksum : null;
  const rec: ObjectRecord = {
    ...attrs,
    bucket: bucket.name,
    key: call.key,
    size: src.object.size,
    etag: md5,
    lastModifiedMs: call.nowMs(),
    segments: [segment],
    partsCount: null,
    checksum: keepChecksum,
  };
  await commit(call.store, rec, condition);
  sendXml(
    call,
    200,
    'CopyObjectResult',
    [
      ['ETag', `"${rec.etag}"`],
      ['LastModified', isoSeconds(rec.lastModifiedMs)],
      ...(keepChecksum ? ([[`Checksum${keepChecksum.algorithm}`, keepChecksum.value]] as XmlChild[]) : []),
    ],
    sseHeaders(rec.sse),
  );
}

// ---- tagging and ACLs ---------------------------------------------------------------------------------

export function requireObject(call: S3Call): ObjectRecord {
  const bucket = requireBucket(call);
  const obj = call.store.getObject(bucket.name, call.key);
  if (!obj) throw noSuchKey(call.key);
  return obj;
}

export function getObjectTagging(call: S3Call): void {
  const obj = requireObject(call);
  sendXml(call, 200, 'Tagging', [['TagSet', tagSetXml(decodeTags(obj.tags))]]);
}

export async function putObjectTagging(call: S3Call): Promise<void> {
  requireObject(call);
  const tags = parseTagging(await parseXmlBody(call), 10);
  if (!call.store.setObjectTags(call.bucket, call.key, encodeTags(tags))) throw noSuchKey(call.key);
  sendEmpty(call, 200);
}

export function deleteObjectTagging(call: S3Call): void {
  requireObject(call);
  call.store.setObjectTags(call.bucket, call.key, null);
  sendEmpty(call, 204);
}

export function getObjectAcl(call: S3Call): void {
  const obj = requireObject(call);
  const owner = call.store.getBucket(obj.bucket)!.owner;
  const grantee = `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${canonicalId(owner)}</ID></Grantee>`;
  sendXml(call, 200, 'AccessControlPolicy', [
    ['Owner', ownerXml(owner)],
    ['AccessControlList', [['Grant', [grantee, ['Permission', 'FULL_CONTROL']]]]],
  ]);
}
