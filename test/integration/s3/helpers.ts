import { S3Client } from '@aws-sdk/client-s3';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authenticator } from '../../../src/server/auth.js';
import { HttpServer } from '../../../src/server/http-server.js';
import { createS3Handler, type S3Handler } from '../../../src/server/s3-handler.js';
import { computeSignature, type SignatureInfo } from '../../../src/server/sigv4.js';

export const CREDS = { accessKeyId: 'test', secretAccessKey: 'test', account: '000000000000' };
export const OTHER = { accessKeyId: 'other', secretAccessKey: 'other', account: '111111111111' };

export interface S3Server {
  url: string;
  port: number;
  handler: S3Handler;
  close(): Promise<void>;
}

/** A real HTTP server on port 0 with only the S3 handler. */
export async function startS3Server(dataDir: string | null, permissive = true): Promise<S3Server> {
  const auth = new Authenticator([CREDS, OTHER], permissive, () => Date.now());
  const handler = createS3Handler({ dataDir, auth });
  const http = new HttpServer([handler]);
  const addr = await http.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    handler,
    async close() {
      await http.close();
      handler.close();
    },
  };
}

export function s3(url: string, opts: { region?: string; accessKeyId?: string; secretAccessKey?: string } = {}): S3Client {
  return new S3Client({
    endpoint: url,
    region: opts.region ?? 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: opts.accessKeyId ?? CREDS.accessKeyId, secretAccessKey: opts.secretAccessKey ?? CREDS.secretAccessKey },
    maxAttempts: 1,
  });
}

export function tempDir(prefix = 'strata-s3-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One plain HTTP request (body sent as given, no client-side magic). */
export function rawRequest(url: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function amzDateNow(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export interface SignedHeaders {
  headers: Record<string, string>;
  seedSignature: string;
  amzDate: string;
  scope: string;
  signingKey: Buffer;
}

/** SigV4 header signing for raw requests; `payloadHash` goes into x-amz-content-sha256 and the canonical request. */
export function signRequest(
  url: string,
  method: string,
  path: string,
  query: string,
  extraHeaders: Record<string, string>,
  payloadHash: string,
  creds: { accessKeyId: string; secretAccessKey: string } = CREDS,
  region = 'us-east-1',
): SignedHeaders {
  const amzDate = amzDateNow();
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host: new URL(url).host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadHash };
  for (const [k, v] of Object.entries(extraHeaders)) headers[k.toLowerCase()] = v;
  const signedHeaders = Object.keys(headers).sort();
  const info: SignatureInfo = { accessKeyId: creds.accessKeyId, date, region, service: 's3', signedHeaders, signature: '', amzDate, presigned: false };
  const signature = computeSignature({ method, path, query, headers, body: Buffer.alloc(0) }, info, creds.secretAccessKey);
  const scope = `${date}/${region}/s3/aws4_request`;
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  let key: Buffer = createHmac('sha256', `AWS4${creds.secretAccessKey}`).update(date).digest();
  for (const part of [region, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return { headers, seedSignature: signature, amzDate, scope, signingKey: key };
}

const EMPTY_SHA = createHash('sha256').update('').digest('hex');

/** Encodes a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body with chunk signatures chained from the seed signature. */
export function signedChunkedBody(data: Buffer, chunkSize: number, s: SignedHeaders, corruptChunk = -1): Buffer {
  const out: Buffer[] = [];
  let prev = s.seedSignature;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  chunks.forEach((chunk, i) => {
    const sts = ['AWS4-HMAC-SHA256-PAYLOAD', s.amzDate, s.scope, prev, EMPTY_SHA, createHash('sha256').update(chunk).digest('hex')].join('\n');
    let sig = createHmac('sha256', s.signingKey).update(sts).digest('hex');
    prev = sig;
    if (i === corruptChunk) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    out.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`), chunk, Buffer.from('\r\n'));
  });
  return Buffer.concat(out);
}

/** Encodes a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body: signed chunks, then a signed trailer. */
export function signedTrailerBody(data: Buffer, chunkSize: number, s: SignedHeaders, trailerName: string, trailerValue: string, corruptTrailer = false): Buffer {
  const out: Buffer[] = [];
  let prev = s.seedSignature;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const chunk of chunks) {
    const sts = ['AWS4-HMAC-SHA256-PAYLOAD', s.amzDate, s.scope, prev, EMPTY_SHA, createHash('sha256').update(chunk).digest('hex')].join('\n');
    prev = createHmac('sha256', s.signingKey).update(sts).digest('hex');
    out.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${prev}\r\n`), chunk, Buffer.from('\r\n'));
  }
  out.pop(); // the final chunk has no CRLF after its (empty) data: the trailer follows
  const trailer = `${trailerName}:${trailerValue}\n`;
  const sts = ['AWS4-HMAC-SHA256-TRAILER', s.amzDate, s.scope, prev, createHash('sha256').update(trailer).digest('hex')].join('\n');
  let sig = createHmac('sha256', s.signingKey).update(sts).digest('hex');
  if (corruptTrailer) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  out.push(Buffer.from(`${trailerName}:${trailerValue}\r\nx-amz-trailer-signature:${sig}\r\n\r\n`));
  return Buffer.concat(out);
}

/** Encodes a STREAMING-UNSIGNED-PAYLOAD-TRAILER body with one trailer header. */
export function unsignedTrailerBody(data: Buffer, chunkSize: number, trailerName: string, trailerValue: string): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) {
    const chunk = data.subarray(i, i + chunkSize);
    out.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`0\r\n${trailerName}:${trailerValue}\r\n\r\n`));
  return Buffer.concat(out);
}

/** Pulls the text of the first <name> element out of an XML document. */
export function xmlText(body: Buffer | string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body.toString());
  return m?.[1];
}
