import { isoSeconds, ownerXml, requireBucket, sendXml, type S3Call } from './context.js';
import { invalidArgument } from './errors.js';
import type { ObjectSummary, S3Store } from './store.js';
import type { XmlChild } from './xml.js';

const BATCH = 1000;
/** Above every valid UTF-8 key: no UTF-8 sequence starts with 0xFF. */
const TOP = Buffer.from([0xff]);

export interface ListPage {
  contents: ObjectSummary[];
  prefixes: string[];
  truncated: boolean;
  /** Lower bound (inclusive) to resume from when truncated. */
  resume: Buffer | null;
  /** The last key or common prefix returned. */
  last: string | null;
}

/** The smallest byte string greater than every string starting with `b`. */
export function prefixEnd(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i] = out[i]! + 1;
      return out.subarray(0, i + 1);
    }
  }
  return TOP;
}

/** The smallest byte string greater than `b`. */
export function after(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.from([0])]);
}

/**
 * Where to resume after a marker: just after it, or after everything rolled up into it when the marker is
 * itself a common prefix.
 */
export function afterMarker(marker: string, prefix: string, delimiter: string): Buffer {
  const m = Buffer.from(marker, 'utf8');
  if (delimiter && marker.startsWith(prefix)) {
    const idx = marker.indexOf(delimiter, prefix.length);
    if (idx >= 0 && idx + delimiter.length === marker.length) return prefixEnd(m);
  }
  return after(m);
}

/** One page of a listing: keys in UTF-8 byte order, rolled up into common prefixes at the delimiter. */
export function listPage(store: S3Store, bucket: string, prefix: string, delimiter: string, lower: Buffer, maxKeys: number): ListPage {
  const page: ListPage = { contents: [], prefixes: [], truncated: false, resume: null, last: null };
  if (maxKeys <= 0) return page;
  const prefixBuf = Buffer.from(prefix, 'utf8');
  const upper = prefix ? prefixEnd(prefixBuf) : TOP;
  let cursor = Buffer.compare(lower, prefixBuf) > 0 ? lower : prefixBuf;
  let count = 0;
  outer: for (;;) {
    const rows = store.listObjects(bucket, cursor, upper, BATCH);
    for (const row of rows) {
      if (count === maxKeys) {
        page.truncated = true;
        break outer;
      }
      const idx = delimiter ? row.key.indexOf(delimiter, prefix.length) : -1;
      if (idx >= 0) {
        const cp = row.key.slice(0, idx + delimiter.length);
        page.prefixes.push(cp);
        page.last = cp;
        count++;
        cursor = prefixEnd(Buffer.from(cp, 'utf8'));
        page.resume = cursor;
        continue outer;
      }
      page.contents.push(row);
      page.last = row.key;
      count++;
      cursor = after(Buffer.from(row.key, 'utf8'));
      page.resume = cursor;
    }
    if (rows.length < BATCH) break;
  }
  if (!page.truncated) page.resume = null;
  return page;
}

/** S3's encoding-type=url: percent-encoding with '/' kept and spaces as '+'. */
export function urlEncodeKey(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/').replace(/%20/g, '+');
}

function parseMaxKeys(q: URLSearchParams, name = 'max-keys'): { max: number; echo: number } {
  const t = q.get(name);
  if (t === null || t === '') return { max: 1000, echo: 1000 };
  if (!/^\d+$/.test(t) || Number(t) > 2147483647) {
    throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, t);
  }
  const n = Number(t);
  return { max: Math.min(n, 1000), echo: n };
}

function encodingType(q: URLSearchParams): ((s: string) => string) | null {
  const e = q.get('encoding-type');
  if (e === null) return null;
  if (e.toLowerCase() !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', e);
  return urlEncodeKey;
}

function contentsXml(o: ObjectSummary, enc: (s: string) => string, owner: string | null): XmlChild {
  return [
    'Contents',
    [
      ['Key', enc(o.key)],
      ['LastModified', isoSeconds(o.lastModifiedMs)],
      ['ETag', `"${o.etag}"`],
      ['ChecksumAlgorithm', o.checksumAlgorithm ?? undefined],
      ['ChecksumType', o.checksumType ?? undefined],
      ['Size', o.size],
      ['Owner', owner ? ownerXml(owner) : undefined],
      ['StorageClass', o.storageClass],
    ],
  ];
}

export function listObjectsV2(call: S3Call): void {
  const bucket = requireBucket(call);
  const q = call.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const { max, echo } = parseMaxKeys(q);
  const encode = encodingType(q);
  const enc = encode ?? ((s: string) => s);
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after');
  let lower: Buffer = Buffer.alloc(0);
  if (token !== null) {
    const decoded = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
    if (decoded.length === 0) throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
    lower = decoded;
  } else if (startAfter) {
    lower = afterMarker(startAfter, prefix, delimiter);
  }
  const page = listPage(call.store, bucket.name, prefix, delimiter, lower, max);
  const owner = q.get('fetch-owner') === 'true' ? bucket.owner : null;
  const children: XmlChild[] = [
    ['Name', bucket.name],
    ['Prefix', enc(prefix)],
    ['ContinuationToken', token ?? undefined],
    ['NextContinuationToken', page.truncated && page.resume ? page.resume.toString('base64url') : undefined],
    ['KeyCount', page.contents.length + page.prefixes.length],
    ['MaxKeys', echo],
    ['Delimiter', delimiter ? enc(delimiter) : undefined],
    ['EncodingType', encode ? 'url' : undefined],
    ['IsTruncated', page.truncated],
    ['StartAfter', startAfter !== null ? enc(startAfter) : undefined],
    ...page.contents.map((o) => contentsXml(o, enc, owner)),
    ...page.prefixes.map((p): XmlChild => ['CommonPrefixes', [['Prefix', enc(p)]]]),
  ];
  sendXml(call, 200, 'ListBucketResult', children);
}

export function listObjectsV1(call: S3Call): void {
  const bucket = requireBucket(call);
  const q = call.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const { max, echo } = parseMaxKeys(q);
  const encode = encodingType(q);
  const enc = encode ?? ((s: string) => s);
  const marker = q.get('marker') ?? '';
  const lower = marker ? afterMarker(marker, prefix, delimiter) : Buffer.alloc(0);
  const page = listPage(call.store, bucket.name, prefix, delimiter, lower, max);
  const children: XmlChild[] = [
    ['Name', bucket.name],
    ['Prefix', enc(prefix)],
    ['Marker', enc(marker)],
    ['NextMarker', page.truncated && delimiter && page.last !== null ? enc(page.last) : undefined],
    ['MaxKeys', echo],
    ['Delimiter', delimiter ? enc(delimiter) : undefined],
    ['EncodingType', encode ? 'url' : undefined],
    ['IsTruncated', page.truncated],
    ...page.contents.map((o) => contentsXml(o, enc, bucket.owner)),
    ...page.prefixes.map((p): XmlChild => ['CommonPrefixes', [['Prefix', enc(p)]]]),
  ];
  sendXml(call, 200, 'ListBucketResult', children);
}

/** ListObjectVersions on an unversioned bucket: every object is its single "null" version. */
export function listObjectVersions(call: S3Call): void {
  const bucket = requireBucket(call);
  const q = call.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const { max, echo } = parseMaxKeys(q, 'max-keys');
  const encode = encodingType(q);
  const enc = encode ?? ((s: string) => s);
  const keyMarker = q.get('key-marker') ?? '';
  const lower = keyMarker ? afterMarker(keyMarker, prefix, delimiter) : Buffer.alloc(0);
  const page = listPage(call.store, bucket.name, prefix, delimiter, lower, max);
  const children: XmlChild[] = [
    ['Name', bucket.name],
    ['Prefix', enc(prefix)],
    ['KeyMarker', enc(keyMarker)],
    ['VersionIdMarker', q.get('version-id-marker') ?? ''],
    ['NextKeyMarker', page.truncated && page.last !== null ? enc(page.last) : undefined],
    ['NextVersionIdMarker', page.truncated ? 'null' : undefined],
    ['MaxKeys', echo],
    ['Delimiter', delimiter ? enc(delimiter) : undefined],
    ['EncodingType', encode ? 'url' : undefined],
    ['IsTruncated', page.truncated],
    ...page.contents.map(
      (o): XmlChild => [
        'Version',
        [
          ['Key', enc(o.key)],
          ['VersionId', 'null'],
          ['IsLatest', 'true'],
          ['LastModified', isoSeconds(o.lastModifiedMs)],
          ['ETag', `"${o.etag}"`],
          ['ChecksumAlgorithm', o.checksumAlgorithm ?? undefined],
          ['ChecksumType', o.checksumType ?? undefined],
          ['Size', o.size],
          ['Owner', ownerXml(bucket.owner)],
          ['StorageClass', o.storageClass],
        ],
      ],
    ),
    ...page.prefixes.map((p): XmlChild => ['CommonPrefixes', [['Prefix', enc(p)]]]),
  ];
  sendXml(call, 200, 'ListVersionsResult', children);
}
