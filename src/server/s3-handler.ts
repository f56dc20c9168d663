import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodySpec, payloadMode, RequestBody } from '../s3/server/body.js';
import { signingKey, type ChunkSigning } from '../s3/server/chunked.js';
import { newHostId, newS3RequestId, sendS3Error, type ErrorTarget, type S3Call } from '../s3/server/context.js';
import { S3Error, accessDenied, internalError, invalidRequest, invalidUri } from '../s3/server/errors.js';
import { route } from '../s3/server/router.js';
import { authenticateV2, isSigV2 } from '../s3/server/sigv2.js';
import { S3Store } from '../s3/server/store.js';
import type { Authenticator, Principal } from './auth.js';
import { AwsError } from './errors.js';
import { readBody, type ProtocolHandler } from './http-server.js';
import { parseSignature, type SignedRequest } from './sigv4.js';

export interface S3HandlerOptions {
  /** Data directory (the store lives in <dataDir>/s3); null keeps it in a temporary directory removed on close. */
  dataDir: string | null;
  auth: Authenticator;
  /** Clock for Last-Modified and similar (defaults to Date.now). */
  nowMs?: () => number;
}

export type S3Handler = ProtocolHandler & { close(): void; readonly store: S3Store };

/** Largest non-upload body (XML documents) read into memory before authentication. */
const MAX_BUFFERED_BODY = 8 * 1024 * 1024;
/** How much of a rejected request's body is read and discarded to keep the connection; beyond it the connection closes. */
const MAX_DRAIN = 64 * 1024 * 1024;

/**
 * The embedded S3-compatible bucket store, path-style (`/bucket/key`), on Strata's port. Claims every
 * request that is not DynamoDB JSON (X-Amz-Target), not an AWS Query form POST, and not the console.
 */
export function createS3Handler(opts: S3HandlerOptions): S3Handler {
  const temp = opts.dataDir === null ? mkdtempSync(join(tmpdir(), 'strata-s3-')) : null;
  const root = temp ?? join(opts.dataDir!, 's3');
  const store = new S3Store(root);
  const nowMs = opts.nowMs ?? (() => Date.now());
  let closed = false;
  // An in-memory store's directory goes away with the process even when close() is never called.
  const removeTemp = (): void => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  };
  if (temp) process.once('exit', removeTemp);

  return {
    name: 's3',
    store,
    claims: claimsS3,
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const requestId = newS3RequestId();
      const hostId = newHostId();
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q < 0 ? url : url.slice(0, q);
      const rawQuery = q < 0 ? '' : url.slice(q + 1);
      const method = (req.method ?? 'GET').toUpperCase();
      const target: ErrorTarget = { res, requestId, hostId, method, resource: rawPath };
      try {
        const { bucket, key, resource } = parsePath(rawPath);
        target.resource = resource;
        const query = new URLSearchParams(rawQuery);
        const contentSha256 = single(req.headers['x-amz-content-sha256']);
        const presigned = req.headers.authorization === undefined && query.has('X-Amz-Algorithm');
        const v2 = isSigV2({ method, rawPath, rawQuery, headers: req.headers });
        let preread: Buffer | null = null;
        if (contentSha256 === undefined && !presigned && !v2 && req.headers.authorization !== undefined && hasBody(req)) {
          if (isUpload(method, key, query)) throw invalidRequest('Missing required header for this request: x-amz-content-sha256');
          preread = await readBody(req, MAX_BUFFERED_BODY);
        }
        const signed: SignedRequest = { method, path: rawPath, query: rawQuery, headers: req.headers, body: preread ?? Buffer.alloc(0) };
        const principal = v2 ? authenticateV2(opts.auth, { method, rawPath, rawQuery, headers: req.headers }, nowMs()) : authenticate(opts.auth, signed);
        const signing = !v2 && contentSha256?.startsWith('STREAMING-AWS4-HMAC-SHA256') ? chunkSigning(opts.auth, signed) : undefined;
        const mode = preread ? ({ kind: 'plain' } as const) : payloadMode(contentSha256, signing);
        // An operation that fails mid-body must not destroy the request: the rest is drained below so the
        // connection stays usable (keep-alive clients reuse it at once).
        const source: AsyncIterable<Buffer> = preread ? once(preread) : (req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>);
        const call: S3Call = {
          req,
          res,
          store,
          principal,
          requestId,
          hostId,
          method,
          bucket,
          key,
          query,
          resource,
          origin: `http://${single(req.headers.host) ?? 'localhost'}`,
          nowMs,
          body: (o) => new RequestBody(source, bodySpec(req.headers, mode, o.maxSize, o.checksum)),
        };
        await route(call);
      } catch (e) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const err = toS3Error(e);
        if (!req.complete && !req.destroyed && !(await drain(req, MAX_DRAIN))) {
          err.headers.Connection = 'close';
          sendS3Error(target, err);
          res.once('finish', () => req.socket.destroy());
          return;
        }
        sendS3Error(target, err);
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      store.close();
      if (temp) {
        process.off('exit', removeTemp);
        removeTemp();
      }
    },
  };
}

/** Everything but DynamoDB JSON, AWS Query form posts (RDS), the console and Strata's own endpoints. */
export function claimsS3(req: IncomingMessage): boolean {
  if (req.headers['x-amz-target'] !== undefined) return false;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (path === '/console' || path.startsWith('/console/') || path.startsWith('/_strata/') || path === '/_strata') return false;
  if (path === '/' && /(^|&)Action=/.test(query)) return false;
  if (req.method === 'POST') {
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    if (ct.startsWith('application/x-www-form-urlencoded') && !/(^|&)(delete|uploads|uploadId)(=|&|$)/.test(query)) return false;
  }
  return true;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function hasBody(req: IncomingMessage): boolean {
  const cl = single(req.headers['content-length']);
  if (cl !== undefined) return Number(cl) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** PutObject and UploadPart stream their bodies and so need x-amz-content-sha256. */
function isUpload(method: string, key: string, q: URLSearchParams): boolean {
  return method === 'PUT' && key !== '' && !q.has('tagging') && !q.has('acl') && !q.has('retention') && !q.has('legal-hold');
}

/** Reads and discards the rest of a request body; false when it is too long or the connection failed. */
function drain(req: IncomingMessage, limit: number): Promise<boolean> {
  return new Promise((resolve) => {
    let n = 0;
    const done = (ok: boolean): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
      req.off('close', onFail);
      if (!ok) req.pause();
      resolve(ok);
    };
    const onData = (c: Buffer): void => {
      n += c.length;
      if (n > limit) done(false);
    };
    const onEnd = (): void => done(true);
    const onFail = (): void => done(req.complete);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onFail);
    req.once('close', onFail);
    req.resume();
  });
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

/** Splits "/bucket/key..." (path-style), decoding each part. */
export function parsePath(rawPath: string): { bucket: string; key: string; resource: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw invalidUri();
  }
  const rest = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = rest.indexOf('/');
  const rawBucket = slash < 0 ? rest : rest.slice(0, slash);
  const rawKey = slash < 0 ? '' : rest.slice(slash + 1);
  try {
    return { bucket: decodeURIComponent(rawBucket), key: decodeURIComponent(rawKey), resource: decoded };
  } catch {
    throw invalidUri();
  }
}

function authenticate(auth: Authenticator, req: SignedRequest): Principal {
  const authorization = single(req.headers.authorization);
  let principal: Principal;
  try {
    principal = auth.authenticate(req);
  } catch (e) {
    if (e instanceof AwsError) throw mapAuthError(e, req);
    throw e;
  }
  const info = parseSignature(req);
  if (info.service !== 's3') {
    const presigned = authorization === undefined;
    throw new S3Error(
      presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
      `The authorization ${presigned ? 'query parameters are' : 'header is'} malformed; incorrect service "${info.service}". This endpoint belongs to "s3".`,
      400,
    );
  }
  return principal;
}

/** The authenticator speaks DynamoDB's error names; S3 has its own. */
function mapAuthError(e: AwsError, req: SignedRequest): S3Error {
  let accessKeyId = '';
  try {
    accessKeyId = parseSignature(req).accessKeyId;
  } catch {
    /* no credential to report */
  }
  const presigned = req.headers.authorization === undefined;
  switch (e.code) {
    case 'MissingAuthenticationTokenException':
      return accessDenied();
    case 'UnrecognizedClientException':
      return new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, [['AWSAccessKeyId', accessKeyId]]);
    case 'InvalidSignatureException':
      if (/^Signature (expired|not yet current)/.test(e.message)) {
        return new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, [
          ['RequestTime', single(req.headers['x-amz-date']) ?? ''],
          ['ServerTime', new Date().toISOString()],
          ['MaxAllowedSkewMilliseconds', '900000'],
        ]);
      }
      return new S3Error(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        403,
        [['AWSAccessKeyId', accessKeyId]],
      );
    case 'IncompleteSignatureException':
      return new S3Error(
        presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
        presigned ? `Error parsing the X-Amz-Credential parameter; ${e.message}` : `The authorization header is malformed; ${e.message}`,
        400,
      );
    case 'AccessDenied':
    case 'AccessDeniedException':
      return accessDenied(e.message || 'Access Denied');
    default:
      return new S3Error(e.code, e.message, e.status >= 400 ? e.status : 400);
  }
}

/** For STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies: the key and seed to verify chunk signatures (known keys only). */
function chunkSigning(auth: Authenticator, req: SignedRequest): ChunkSigning | undefined {
  const info = parseSignature(req);
  const cred = auth.credential(info.accessKeyId);
  if (!cred) return undefined;
  return {
    key: signingKey(cred.secretAccessKey, info.date, info.region, info.service),
    amzDate: info.amzDate,
    scope: `${info.date}/${info.region}/${info.service}/aws4_request`,
    seedSignature: info.signature,
  };
}

function toS3Error(e: unknown): S3Error {
  if (e instanceof S3Error) return e;
  if (e instanceof AwsError) {
    if (e.code === 'RequestEntityTooLarge') return new S3Error('MaxMessageLengthExceeded', 'Your request was too big.', 400);
    return new S3Error(e.code, e.message, e.status);
  }
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (e as Error | null)?.message === 'aborted') {
    return new S3Error('RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.', 400);
  }
  console.error('s3 internal error:', e);
  return internalError();
}
