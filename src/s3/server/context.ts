import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Principal } from '../../server/auth.js';
import type { ChecksumRequest, RequestBody } from './body.js';
import { S3Error, accessDenied, noSuchBucket } from './errors.js';
import type { BucketRecord, S3Store } from './store.js';
import { XML_DECL, escapeXml, xmlDocument, type XmlChild } from './xml.js';

/** One S3 request after routing and authentication: everything an operation needs. */
export interface S3Call {
  req: IncomingMessage;
  res: ServerResponse;
  store: S3Store;
  principal: Principal;
  requestId: string;
  hostId: string;
  method: string;
  /** Decoded bucket name ('' for the service). */
  bucket: string;
  /** Decoded object key ('' for bucket-level requests). */
  key: string;
  query: URLSearchParams;
  /** Decoded request path, for <Resource>. */
  resource: string;
  /** The request payload, decoded (aws-chunked), verified (MD5, checksums, signatures) as it is read. */
  body(opts: { maxSize: number; checksum?: ChecksumRequest }): RequestBody;
  nowMs(): number;
  /** scheme://host of the request, for Location fields. */
  origin: string;
}

export function header(call: S3Call, name: string): string | undefined {
  const v = call.req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function newS3RequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

export function newHostId(): string {
  return randomBytes(54).toString('base64');
}

/** S3's canonical user id for an account (64 hex characters). */
export function canonicalId(account: string): string {
  return createHash('sha256').update(`strata-canonical-user:${account}`).digest('hex');
}

export function ownerXml(account: string): XmlChild[] {
  return [['ID', canonicalId(account)]];
}

/** ISO 8601 with milliseconds, at one-second resolution as S3 reports it. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Looks up a bucket the caller may use: NoSuchBucket, or AccessDenied for other accounts' buckets or a wrong expected owner. */
export function requireBucket(call: S3Call, name = call.bucket, expectedOwnerHeader = 'x-amz-expected-bucket-owner'): BucketRecord {
  const bucket = call.store.getBucket(name);
  if (!bucket) throw noSuchBucket(name);
  if (bucket.owner !== call.principal.account) throw accessDenied();
  const expected = header(call, expectedOwnerHeader);
  if (expected !== undefined && expected.trim() !== bucket.owner) throw accessDenied();
  return bucket;
}

function baseHeaders(call: { requestId: string; hostId: string }): OutgoingHttpHeaders {
  return { 'x-amz-request-id': call.requestId, 'x-amz-id-2': call.hostId };
}

export function sendXml(call: S3Call, status: number, root: string, children: XmlChild[], extra: OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(xmlDocument(root, children), 'utf8');
  call.res.writeHead(status, { ...baseHeaders(call), 'Content-Type': 'application/xml', 'Content-Length': body.length, ...extra });
  call.res.end(call.method === 'HEAD' ? undefined : body);
}

/** A raw XML document (for elements with text at the root, like LocationConstraint). */
export function sendRawXml(call: S3Call, status: number, xml: string, extra: OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(XML_DECL + xml, 'utf8');
  call.res.writeHead(status, { ...baseHeaders(call), 'Content-Type': 'application/xml', 'Content-Length': body.length, ...extra });
  call.res.end(body);
}

export function sendEmpty(call: S3Call, status: number, extra: OutgoingHttpHeaders = {}): void {
  const headers: OutgoingHttpHeaders = { ...baseHeaders(call), ...extra };
  if (status !== 204 && status !== 304 && headers['Content-Length'] === undefined) headers['Content-Length'] = 0;
  call.res.writeHead(status, headers);
  call.res.end();
}

export interface ErrorTarget {
  res: ServerResponse;
  requestId: string;
  hostId: string;
  method: string;
  resource: string;
}

/** Writes S3's <Error> document (headers only for HEAD, as S3 does). */
export function sendS3Error(t: ErrorTarget, err: S3Error): void {
  const { res } = t;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const fields = err.fields.map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('');
  const xml =
    `${XML_DECL}<Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>${fields}` +
    `<Resource>${escapeXml(t.resource)}</Resource><RequestId>${t.requestId}</RequestId><HostId>${escapeXml(t.hostId)}</HostId></Error>`;
  const body = Buffer.from(xml, 'utf8');
  const headers: OutgoingHttpHeaders = { ...baseHeaders(t), ...err.headers };
  if (t.method === 'HEAD') {
    res.writeHead(err.status, headers);
    res.end();
    return;
  }
  res.writeHead(err.status, { ...headers, 'Content-Type': 'application/xml', 'Content-Length': body.length });
  res.end(body);
}
