import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AwsChunkedDecoder, type ChunkSigning } from './chunked.js';
import { checksumHeader, checksumLength, newChecksummer, type ChecksumAlgorithm, type Checksummer } from './checksums.js';
import {
  S3Error,
  badDigest,
  checksumMismatch,
  contentSha256Mismatch,
  entityTooLarge,
  incompleteBody,
  invalidArgument,
  invalidDigest,
  invalidRequest,
  missingContentLength,
} from './errors.js';

/** How the payload is framed and signed, from x-amz-content-sha256. */
export type PayloadMode =
  | { kind: 'plain'; sha256?: string }
  | { kind: 'chunked'; signed: boolean; trailer: boolean; signing?: ChunkSigning };

export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Interprets x-amz-content-sha256 (undefined when absent, e.g. presigned URLs). */
export function payloadMode(contentSha256: string | undefined, signing: ChunkSigning | undefined): PayloadMode {
  if (contentSha256 === undefined || contentSha256 === UNSIGNED_PAYLOAD) return { kind: 'plain' };
  if (/^[0-9a-f]{64}$/i.test(contentSha256)) return { kind: 'plain', sha256: contentSha256.toLowerCase() };
  switch (contentSha256) {
    case STREAMING_SIGNED:
      return { kind: 'chunked', signed: true, trailer: false, signing };
    case STREAMING_SIGNED_TRAILER:
      return { kind: 'chunked', signed: true, trailer: true, signing };
    case STREAMING_UNSIGNED_TRAILER:
      return { kind: 'chunked', signed: false, trailer: true };
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER':
      throw new S3Error('NotImplemented', 'SigV4a (ECDSA) signed payloads are not supported by this server', 501);
  }
  throw invalidArgument(
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
    'x-amz-content-sha256',
    contentSha256,
  );
}

export interface ChecksumRequest {
  algorithm: ChecksumAlgorithm;
  /** base64 value from a header; undefined when it comes in the trailer or is to be computed only. */
  expected?: string;
  /** The value is expected in the aws-chunked trailer under this name. */
  trailerName?: string;
}

export interface BodySpec {
  mode: PayloadMode;
  /** Declared decoded length (Content-Length, or x-amz-decoded-content-length for aws-chunked). */
  declaredLength?: number;
  /** base64 Content-MD5 header. */
  contentMd5?: string;
  checksum?: ChecksumRequest;
  maxSize: number;
}

type Headers = IncomingMessage['headers'];

function one(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Reads the checksum a request asks for: x-amz-checksum-<alg> header, x-amz-trailer, or x-amz-sdk-checksum-algorithm. */
export function checksumRequest(headers: Headers, fallback?: ChecksumAlgorithm): ChecksumRequest | undefined {
  const found: ChecksumRequest[] = [];
  for (const alg of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
    const v = one(headers, checksumHeader(alg));
    if (v !== undefined) {
      const raw = Buffer.from(v, 'base64');
      if (raw.length !== checksumLength(alg) || raw.toString('base64') !== v) {
        throw invalidRequest(`Value for ${checksumHeader(alg)} header is invalid.`);
      }
      found.push({ algorithm: alg, expected: v });
    }
  }
  if (found.length > 1) throw invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  if (found.length === 1) return found[0];
  const trailer = one(headers, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailer && trailer.startsWith('x-amz-checksum-')) {
    const alg = trailer.slice('x-amz-checksum-'.length).toUpperCase();
    const known = (['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const).find((a) => a === alg);
    if (!known) throw invalidRequest('The value specified in the x-amz-trailer header is not supported');
    return { algorithm: known, trailerName: trailer };
  }
  const sdkAlg = one(headers, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
  const named = (['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const).find((a) => a === sdkAlg);
  if (sdkAlg && !named) throw invalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  const alg = named ?? fallback;
  return alg ? { algorithm: alg } : undefined;
}

/** Builds the spec of an upload body from its request headers. */
export function bodySpec(headers: Headers, mode: PayloadMode, maxSize: number, checksum?: ChecksumRequest): BodySpec {
  let declared: number | undefined;
  if (mode.kind === 'chunked') {
    const d = one(headers, 'x-amz-decoded-content-length');
    if (d === undefined) {
      if (one(headers, 'content-length') === undefined && one(headers, 'transfer-encoding') === undefined) throw missingContentLength();
    } else {
      declared = Number(d);
      if (!/^\d+$/.test(d.trim())) throw invalidArgument('x-amz-decoded-content-length is invalid', 'x-amz-decoded-content-length', d);
    }
  } else {
    const cl = one(headers, 'content-length');
    if (cl !== undefined) declared = Number(cl);
    else if (one(headers, 'transfer-encoding') === undefined) throw missingContentLength();
  }
  if (declared !== undefined && declared > maxSize) throw entityTooLarge(declared, maxSize);
  const md5 = one(headers, 'content-md5');
  if (md5 !== undefined) {
    const raw = Buffer.from(md5, 'base64');
    if (raw.length !== 16 || raw.toString('base64') !== md5.trim()) throw invalidDigest(md5);
  }
  return { mode, declaredLength: declared, contentMd5: md5?.trim(), checksum, maxSize };
}

/**
 * The decoded payload of a request, as an async iterable of chunks. While it is read it computes MD5 (for
 * the ETag), the requested checksum and, for signed plain payloads, SHA-256; at the end it verifies the
 * length, Content-MD5, checksum, x-amz-content-sha256 and chunk signatures, throwing an S3Error on mismatch
 * (so the consumer discards what it wrote).
 */
export class RequestBody implements AsyncIterable<Buffer> {
  size = 0;
  private readonly md5: Hash = createHash('md5');
  private md5Digest: Buffer | undefined;
  private readonly sha256: Hash | null;
  private readonly checksummer: Checksummer | null;
  checksumValue: string | undefined;
  trailers = new Map<string, string>();

  constructor(
    private readonly source: AsyncIterable<Buffer>,
    readonly spec: BodySpec,
  ) {
    this.sha256 = spec.mode.kind === 'plain' && spec.mode.sha256 ? createHash('sha256') : null;
    this.checksummer = spec.checksum ? newChecksummer(spec.checksum.algorithm) : null;
  }

  get md5Hex(): string {
    return this.md5Result().toString('hex');
  }

  md5Result(): Buffer {
    if (!this.md5Digest) this.md5Digest = this.md5.digest();
    return this.md5Digest;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const { mode } = this.spec;
    const decoder = mode.kind === 'chunked' ? new AwsChunkedDecoder(mode.signed, mode.trailer, mode.signing) : null;
    const limit = this.spec.maxSize;
    for await (const raw of this.source) {
      const pieces = decoder ? decoder.push(raw) : [raw];
      for (const p of pieces) {
        if (p.length === 0) continue;
        this.size += p.length;
        if (this.size > limit) throw entityTooLarge(this.size, limit);
        if (this.spec.declaredLength !== undefined && this.size > this.spec.declaredLength) throw incompleteBody();
        this.md5.update(p);
        this.sha256?.update(p);
        this.checksummer?.update(p);
        yield p;
      }
    }
    if (decoder) {
      decoder.finish();
      this.trailers = decoder.trailers;
    }
    this.verify();
  }

  private verify(): void {
    if (this.spec.declaredLength !== undefined && this.size !== this.spec.declaredLength) throw incompleteBody();
    const md5 = this.md5Result();
    if (this.spec.contentMd5 !== undefined && md5.toString('base64') !== this.spec.contentMd5) {
      throw badDigest(this.spec.contentMd5, md5.toString('base64'));
    }
    if (this.sha256 && this.spec.mode.kind === 'plain' && this.spec.mode.sha256) {
      const computed = this.sha256.digest('hex');
      if (computed !== this.spec.mode.sha256) throw contentSha256Mismatch(this.spec.mode.sha256, computed);
    }
    const req = this.spec.checksum;
    if (req && this.checksummer) {
      const value = this.checksummer.digest().toString('base64');
      let expected = req.expected;
      if (req.trailerName) {
        expected = this.trailers.get(req.trailerName);
        if (expected === undefined) throw invalidRequest(`The x-amz-trailer header specified ${req.trailerName} but no such trailer was sent.`);
      }
      if (expected !== undefined && expected !== value) throw checksumMismatch(req.algorithm);
      this.checksumValue = value;
    }
  }
}

/** Reads a small request body (XML inputs) through the same decoding and checks, up to `limit` bytes. */
export async function readSmallBody(body: RequestBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
