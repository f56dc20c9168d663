import { createHash } from 'node:crypto';
import { attributesFromRequest, bareEtag, sseHeaders } from './attributes.js';
import { checksumRequest } from './body.js';
import { compositeChecksum, parseChecksumAlgorithm, type ChecksumAlgorithm } from './checksums.js';
import { parseXmlBody } from './buckets.js';
import { header, isoSeconds, ownerXml, requireBucket, sendEmpty, sendXml, type S3Call } from './context.js';
import {
  entityTooSmall,
  invalidArgument,
  invalidPart,
  invalidPartOrder,
  invalidRequest,
  malformedXml,
  noSuchBucket,
  noSuchUpload,
} from './errors.js';
import { prefixEnd, urlEncodeKey } from './listing.js';
import { MAX_PUT_SIZE, checkKey, checksumResponseHeaders, copyBytes, copySource, writeConditions } from './objects.js';
import type { ObjectRecord, PartRecord, UploadRecord } from './store.js';
import { childText, childrenNamed, type XmlChild } from './xml.js';

const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10000;

function partNumber(call: S3Call): number {
  const t = call.query.get('partNumber') ?? '';
  const n = Number(t);
  if (!/^\d+$/.test(t) || n < 1 || n > MAX_PARTS) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', t);
  }
  return n;
}

/** The upload named by ?uploadId=, which must belong to this bucket and key. */
function requireUpload(call: S3Call): UploadRecord {
  const uploadId = call.query.get('uploadId') ?? '';
  const upload = call.store.getUpload(uploadId);
  if (!upload || upload.bucket !== call.bucket || upload.key !== call.key) throw noSuchUpload(uploadId);
  return upload;
}

export function createMultipartUpload(call: S3Call): void {
  const bucket = requireBucket(call);
  checkKey(call.key);
  const attrs = attributesFromRequest(call, bucket);
  const algHeader = header(call, 'x-amz-checksum-algorithm');
  const alg = parseChecksumAlgorithm(algHeader);
  if (algHeader !== undefined && !alg) {
    throw invalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  }
  const typeHeader = header(call, 'x-amz-checksum-type')?.toUpperCase();
  let type: UploadRecord['checksumType'] = null;
  if (typeHeader !== undefined) {
    if (typeHeader !== 'COMPOSITE' && typeHeader !== 'FULL_OBJECT') throw invalidRequest('Value for x-amz-checksum-type header is invalid.');
    if (!alg) throw invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    type = typeHeader;
  } else if (alg) {
    type = alg === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
  }
  if (alg && type === 'COMPOSITE' && alg === 'CRC64NVME') throw invalidRequest('The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.');
  if (alg && type === 'FULL_OBJECT' && (alg === 'SHA1' || alg === 'SHA256')) {
    throw invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${alg.toLowerCase()} checksum algorithm.`);
  }
  const upload = call.store.createUpload({
    ...attrs,
    bucket: bucket.name,
    key: call.key,
    owner: call.principal.account,
    initiatedMs: call.nowMs(),
    checksumAlgorithm: alg ?? null,
    checksumType: type,
  });
  const extra = { ...sseHeaders(upload.sse) } as Record<string, string>;
  if (alg) {
    extra['x-amz-checksum-algorithm'] = alg;
    extra['x-amz-checksum-type'] = type!;
  }
  sendXml(
    call,
    200,
    'InitiateMultipartUploadResult',
    [
      ['Bucket', bucket.name],
      ['Key', call.key],
      ['UploadId', upload.uploadId],
    ],
    extra,
  );
}

export async function uploadPart(call: S3Call): Promise<void> {
  requireBucket(call);
  const n = partNumber(call);
  const upload = requireUpload(call);
  const fallback = (upload.checksumAlgorithm as ChecksumAlgorithm | null) ?? undefined;
  const req = checksumRequest(call.req.headers, fallback);
  if (req && fallback && req.algorithm !== fallback) {
    throw invalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${fallback.toLowerCase()}, actual checksum Type: ${req.algorithm.toLowerCase()}`);
  }
  const body = call.body({ maxSize: MAX_PUT_SIZE, checksum: req });
  const segment = await call.store.writeBlob(body);
  const part: PartRecord = {
    partNumber: n,
    size: segment.size,
    etag: body.md5Hex,
    lastModifiedMs: call.nowMs(),
    file: segment.file,
    checksum: body.checksumValue ?? null,
  };
  if (!(await call.store.putPart(upload.uploadId, part))) throw noSuchUpload(upload.uploadId);
  sendEmpty(call, 200, {
    ETag: `"${part.etag}"`,
    ...sseHeaders(upload.sse),
    ...checksumResponseHeaders(req?.algorithm, part.checksum),
  });
}

export async function uploadPartCopy(call: S3Call): Promise<void> {
  requireBucket(call);
  const n = partNumber(call);
  const upload = requireUpload(call);
  const src = copySource(call);
  const size = src.object.size;
  let start = 0;
  let end = size - 1;
  const range = header(call, 'x-amz-copy-source-range');
  if (range !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(range.trim());
    if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= size) {
      throw invalidArgument(`Range specified is not valid for source object of size: ${size}`, 'x-amz-copy-source-range', range);
    }
    start = Number(m[1]);
    end = Number(m[2]);
  }
  if (end - start + 1 > MAX_PUT_SIZE) throw invalidRequest(`The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_PUT_SIZE}`);
  const { segment, md5 } = await copyBytes(call.store, src.object, start, end);
  const part: PartRecord = { partNumber: n, size: end - start + 1, etag: md5, lastModifiedMs: call.nowMs(), file: segment.file, checksum: null };
  if (!(await call.store.putPart(upload.uploadId, part))) throw noSuchUpload(upload.uploadId);
  sendXml(
    call,
    200,
    'CopyPartResult',
    [
      ['ETag', `"${part.etag}"`],
      ['LastModified', isoSeconds(part.lastModifiedMs)],
    ],
    sseHeaders(upload.sse),
  );
}

interface RequestedPart {
  partNumber: number;
  etag: string;
  checksums: Array<[string, string]>;
}

export async function completeMultipartUpload(call: S3Call): Promise<void> {
  const bucket = requireBucket(call);
  const existingUpload = requireUpload(call);
  const uploadId = existingUpload.uploadId;
  const doc = await parseXmlBody(call, 8 * 1024 * 1024);
  if (!doc || doc.name !== 'CompleteMultipartUpload') throw malformedXml();
  const requested: RequestedPart[] = childrenNamed(doc, 'Part').map((p) => {
    const pn = childText(p, 'PartNumber');
    const etag = childText(p, 'ETag');
    if (pn === undefined || !/^\d+$/.test(pn.trim()) || etag === undefined) throw malformedXml();
    const checksums: Array<[string, string]> = [];
    for (const c of p.children) if (c.name.startsWith('Checksum') && c.name !== 'ChecksumType') checksums.push([c.name.slice('Checksum'.length).toUpperCase(), c.text.trim()]);
    return { partNumber: Number(pn.trim()), etag: bareEtag(etag), checksums };
  });
  if (requested.length === 0 || requested.length > MAX_PARTS) throw malformedXml();
  for (let i = 1; i < requested.length; i++) {
    if (requested[i]!.partNumber <= requested[i - 1]!.partNumber) throw invalidPartOrder(uploadId);
  }
  const condition = writeConditions(call);
  const now = call.nowMs();
  const rec = await call.store.completeUpload(uploadId, (upload, parts, existing) => {
    condition(existing(upload.bucket, upload.key));
    const chosen: PartRecord[] = [];
    for (const r of requested) {
      const p = parts.get(r.partNumber);
      if (!p || p.etag !== r.etag) throw invalidPart(r.partNumber, r.etag, uploadId);
      for (const [alg, value] of r.checksums) {
        if (upload.checksumAlgorithm && alg === upload.checksumAlgorithm && p.checksum && p.checksum !== value) {
          throw invalidPart(r.partNumber, r.etag, uploadId);
        }
      }
      chosen.push(p);
    }
    for (let i = 0; i < chosen.length - 1; i++) {
      if (chosen[i]!.size < MIN_PART_SIZE) throw entityTooSmall(chosen[i]!.size, chosen[i]!.partNumber, `"${chosen[i]!.etag}"`);
    }
    const md5 = createHash('md5');
    for (const p of chosen) md5.update(Buffer.from(p.etag, 'hex'));
    const alg = upload.checksumAlgorithm as ChecksumAlgorithm | null;
    let checksum: ObjectRecord['checksum'] = null;
    if (alg && upload.checksumType === 'COMPOSITE' && chosen.every((p) => p.checksum)) {
      checksum = { algorithm: alg, value: compositeChecksum(alg, chosen.map((p) => p.checksum!)), type: 'COMPOSITE' };
    }
    return {
      contentType: upload.contentType,
      headers: upload.headers,
      metadata: upload.metadata,
      sse: upload.sse,
      storageClass: upload.storageClass,
      tags: upload.tags,
      bucket: upload.bucket,
      key: upload.key,
      size: chosen.reduce((a, p) => a + p.size, 0),
      etag: `${md5.digest('hex')}-${chosen.length}`,
      lastModifiedMs: now,
      segments: chosen.map((p) => ({ file: p.file, size: p.size })),
      partsCount: chosen.length,
      checksum,
    };
  });
  if (!rec) throw noSuchUpload(uploadId);
  if (!call.store.getBucket(bucket.name)) throw noSuchBucket(bucket.name);
  const keyPath = rec.key.split('/').map(encodeURIComponent).join('/');
  const children: XmlChild[] = [
    ['Location', `${call.origin}/${bucket.name}/${keyPath}`],
    ['Bucket', bucket.name],
    ['Key', rec.key],
    ['ETag', `"${rec.etag}"`],
  ];
  if (rec.checksum) {
    children.push([`Checksum${rec.checksum.algorithm}`, rec.checksum.value], ['ChecksumType', rec.checksum.type]);
  }
  sendXml(call, 200, 'CompleteMultipartUploadResult', children, sseHeaders(rec.sse));
}

export async function abortMultipartUpload(call: S3Call): Promise<void> {
  requireBucket(call);
  const upload = requireUpload(call);
  if (!(await call.store.abortUpload(upload.uploadId))) throw noSuchUpload(upload.uploadId);
  sendEmpty(call, 204);
}

export function listParts(call: S3Call): void {
  const bucket = requireBucket(call);
  const upload = requireUpload(call);
  const q = call.query;
  const maxText = q.get('max-parts');
  let max = 1000;
  if (maxText !== null) {
    if (!/^\d+$/.test(maxText)) throw invalidArgument('Provided max-parts not an integer or within integer range', 'max-parts', maxText);
    max = Math.min(Number(maxText), 1000);
  }
  const markerText = q.get('part-number-marker') ?? '0';
  if (!/^\d+$/.test(markerText)) throw invalidArgument('Provided part-number-marker not an integer or within integer range', 'part-number-marker', markerText);
  const marker = Number(markerText);
  const rows = call.store.listParts(upload.uploadId, marker, max + 1);
  const truncated = rows.length > max;
  const page = rows.slice(0, max);
  const owner = ownerXml(upload.owner);
  const children: XmlChild[] = [
    ['Bucket', bucket.name],
    ['Key', upload.key],
    ['UploadId', upload.uploadId],
    ['PartNumberMarker', marker],
    ['NextPartNumberMarker', page.length > 0 ? page[page.length - 1]!.partNumber : 0],
    ['MaxParts', maxText !== null ? Number(maxText) : 1000],
    ['IsTruncated', truncated],
    ['ChecksumAlgorithm', upload.checksumAlgorithm ?? undefined],
    ['ChecksumType', upload.checksumType ?? undefined],
    ...page.map(
      (p): XmlChild => [
        'Part',
        [
          ['PartNumber', p.partNumber],
          ['LastModified', isoSeconds(p.lastModifiedMs)],
          ['ETag', `"${p.etag}"`],
          upload.checksumAlgorithm && p.checksum ? [`Checksum${upload.checksumAlgorithm}`, p.checksum] : ['Checksum', undefined],
          ['Size', p.size],
        ],
      ],
    ),
    ['Initiator', owner],
    ['Owner', owner],
    ['StorageClass', upload.storageClass],
  ];
  sendXml(call, 200, 'ListPartsResult', children);
}

export function listMultipartUploads(call: S3Call): void {
  const bucket = requireBucket(call);
  const q = call.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const keyMarker = q.get('key-marker') ?? '';
  const uploadIdMarker = keyMarker ? (q.get('upload-id-marker') ?? '') : '';
  const maxText = q.get('max-uploads');
  let max = 1000;
  if (maxText !== null) {
    if (!/^\d+$/.test(maxText)) throw invalidArgument('Provided max-uploads not an integer or within integer range', 'max-uploads', maxText);
    max = Math.min(Number(maxText), 1000);
  }
  const encode = q.get('encoding-type');
  if (encode !== null && encode.toLowerCase() !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encode);
  const enc = encode !== null ? urlEncodeKey : (s: string) => s;
  const prefixBuf = Buffer.from(prefix, 'utf8');
  const upper = prefix ? prefixEnd(prefixBuf) : Buffer.from([0xff]);
  // Uploads are few and short-lived; one bounded read is enough to roll them up.
  const rows = call.store.listUploads(bucket.name, prefixBuf, upper, Buffer.from(keyMarker, 'utf8'), uploadIdMarker, 100000);
  const uploads: UploadRecord[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let lastKey = '';
  let lastId = '';
  for (const u of rows) {
    if (uploads.length + prefixes.length === max) {
      truncated = true;
      break;
    }
    const idx = delimiter ? u.key.indexOf(delimiter, prefix.length) : -1;
    if (idx >= 0) {
      const cp = u.key.slice(0, idx + delimiter.length);
      if (prefixes[prefixes.length - 1] !== cp) prefixes.push(cp);
      lastKey = cp;
      lastId = '';
      continue;
    }
    uploads.push(u);
    lastKey = u.key;
    lastId = u.uploadId;
  }
  const children: XmlChild[] = [
    ['Bucket', bucket.name],
    ['KeyMarker', enc(keyMarker)],
    ['UploadIdMarker', uploadIdMarker],
    ['NextKeyMarker', truncated ? enc(lastKey) : undefined],
    ['NextUploadIdMarker', truncated ? lastId : undefined],
    ['Prefix', prefix ? enc(prefix) : undefined],
    ['Delimiter', delimiter ? enc(delimiter) : undefined],
    ['MaxUploads', maxText !== null ? Number(maxText) : 1000],
    ['EncodingType', encode !== null ? 'url' : undefined],
    ['IsTruncated', truncated],
    ...uploads.map(
      (u): XmlChild => [
        'Upload',
        [
          ['Key', enc(u.key)],
          ['UploadId', u.uploadId],
          ['Initiator', ownerXml(u.owner)],
          ['Owner', ownerXml(u.owner)],
          ['StorageClass', u.storageClass],
          ['Initiated', isoSeconds(u.initiatedMs)],
          ['ChecksumAlgorithm', u.checksumAlgorithm ?? undefined],
          ['ChecksumType', u.checksumType ?? undefined],
        ],
      ],
    ),
    ...prefixes.map((p): XmlChild => ['CommonPrefixes', [['Prefix', enc(p)]]]),
  ];
  sendXml(call, 200, 'ListMultipartUploadsResult', children);
}
