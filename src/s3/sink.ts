/**
 * The client side through which exports write to any S3-compatible endpoint (AWS S3, Strata's embedded
 * store, MinIO, moto, ...) with the AWS SDK v3.
 *
 * - Every request carries `x-amz-expected-bucket-owner` when an owner is configured (as a command
 *   parameter and, for requests lib-storage builds itself such as AbortMultipartUpload, via middleware).
 * - Objects are written with the configured server-side encryption (PutObject and CreateMultipartUpload).
 * - Transient failures (5xx, throttling, connection resets and timeouts) are retried by the SDK's
 *   standard retry strategy: exponential backoff with jitter, `maxAttempts` tries in all. 4xx client
 *   errors are never retried.
 * - Streams go through lib-storage's multipart `Upload` (parts of `partSize` ≥ 5 MiB, 2 in flight), so
 *   memory stays bounded; a stream shorter than one part becomes a single PutObject.
 * - Failures are thrown as {@link SinkFailure} carrying the export FailureCode / FailureMessage.
 * - Nothing is ever deleted. A failed multipart upload is aborted (its parts are not objects).
 * - Flexible checksums are only sent when an operation requires them, for compatibility with S3
 *   implementations that do not support aws-chunked trailers; PutObject bodies carry Content-MD5.
 */
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, HeadBucketCommand, PutObjectCommand, S3Client, UploadPartCommand,
  type CompletedPart, type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { toSinkFailure } from './sink-errors.js';

export { SinkFailure, toSinkFailure } from './sink-errors.js';
export type { SinkFailureCode, SinkOperation } from './sink-errors.js';

export interface S3SinkCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3SinkSse {
  algorithm: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
}

export interface S3SinkOptions {
  bucket: string;
  /** Endpoint URL of an S3-compatible service; AWS's regional endpoint when left out. */
  endpoint?: string;
  region: string;
  /** Static credentials; the SDK's default provider chain when left out. */
  credentials?: S3SinkCredentials;
  forcePathStyle?: boolean;
  /** 12-digit account that must own the bucket (x-amz-expected-bucket-owner). */
  expectedBucketOwner?: string;
  sse?: S3SinkSse;
  /** Tries per request, the first included (default 5). */
  maxAttempts?: number;
  /** Multipart part size in bytes (default 8 MiB, at least 5 MiB). */
  partSize?: number;
  /** Parts uploaded concurrently (default 2). */
  queueSize?: number;
  /** Milliseconds without a response before a request is abandoned (and retried); default 120000. */
  requestTimeoutMs?: number;
  /** Milliseconds to establish a connection; default 10000. */
  connectionTimeoutMs?: number;
}

export interface SinkPutResult {
  key: string;
  /** ETag S3 returned (quoted as S3 sends it), when it did. */
  etag: string | undefined;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export class S3Sink {
  readonly bucket: string;
  readonly client: S3Client;
  private readonly expectedBucketOwner: string | undefined;
  private readonly sse: S3SinkSse | undefined;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3SinkOptions) {
    if (!options.bucket) throw new Error('S3Sink: bucket is required');
    if (options.expectedBucketOwner !== undefined && !/^\d{12}$/.test(options.expectedBucketOwner)) {
      throw new Error('S3Sink: expectedBucketOwner must be a 12-digit account id');
    }
    if (options.sse?.kmsKeyId !== undefined && options.sse.algorithm !== 'aws:kms') {
      throw new Error('S3Sink: kmsKeyId requires the aws:kms algorithm');
    }
    this.bucket = options.bucket;
    this.expectedBucketOwner = options.expectedBucketOwner;
    this.sse = options.sse;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    this.queueSize = Math.max(1, options.queueSize ?? 2);
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: Math.max(1, options.maxAttempts ?? 5),
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        requestTimeout: options.requestTimeoutMs ?? 120_000,
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      },
    });
    const owner = this.expectedBucketOwner;
    if (owner !== undefined) {
      this.client.middlewareStack.add(
        (next) => async (args) => {
          const req = args.request as { headers?: Record<string, string> } | undefined;
          if (req && typeof req === 'object' && req.headers && typeof req.headers === 'object') {
            req.headers['x-amz-expected-bucket-owner'] = owner;
          }
          return next(args);
        },
        { step: 'build', name: 'strataExpectedBucketOwner', override: true },
      );
    }
  }

  /** Parameters every object write carries. */
  private writeParams(key: string): {
    Bucket: string;
    Key: string;
    ExpectedBucketOwner?: string;
    ServerSideEncryption?: ServerSideEncryption;
    SSEKMSKeyId?: string;
  } {
    return {
      Bucket: this.bucket,
      Key: key,
      ...(this.expectedBucketOwner === undefined ? {} : { ExpectedBucketOwner: this.expectedBucketOwner }),
      ...(this.sse === undefined ? {} : { ServerSideEncryption: this.sse.algorithm as ServerSideEncryption }),
      ...(this.sse?.kmsKeyId === undefined ? {} : { SSEKMSKeyId: this.sse.kmsKeyId }),
    };
  }

  /** Checks the bucket exists and is reachable with these credentials (and owner). */
  async headBucket(): Promise<void> {
    try {
      await this.client.send(
        new HeadBucketCommand({
          Bucket: this.bucket,
          ...(this.expectedBucketOwner === undefined ? {} : { ExpectedBucketOwner: this.expectedBucketOwner }),
        }),
      );
    } catch (e) {
      throw toSinkFailure(e, 'HeadBucket');
    }
  }

  /** Writes a small object in one PutObject (with Content-MD5). */
  async putObject(key: string, body: Buffer | string, contentType?: string): Promise<SinkPutResult> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          ...this.writeParams(key),
          Body: bytes,
          ContentLength: bytes.length,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          ...(contentType === undefined ? {} : { ContentType: contentType }),
        }),
      );
      return { key, etag: res.ETag };
    } catch (e) {
      throw toSinkFailure(e, 'PutObject');
    }
  }

  /**
   * Uploads a stream of unknown length: multipart when it is longer than one part, else one PutObject.
   * On failure the unfinished multipart upload is aborted and `body` is destroyed with the SinkFailure,
   * so a producer writing into it stops waiting.
   */
  async upload(key: string, body: Readable, contentType?: string): Promise<SinkPutResult> {
    const up = new Upload({
      client: this.client,
      params: { ...this.writeParams(key), Body: body, ...(contentType === undefined ? {} : { ContentType: contentType }) },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      const res = await up.done();
      return { key, etag: 'ETag' in res ? res.ETag : undefined };
    } catch (e) {
      const failure = toSinkFailure(e, 'Upload');
      if (!body.destroyed) body.destroy(failure);
      throw failure;
    }
  }

  /**
   * Uploads a stream as a multipart upload even when it fits in one part, as DynamoDB does for export
   * data files: the object's ETag is then the multipart ETag (`md5(md5)-1` for one part), the value the
   * manifest records, so readers that compare manifest etags with S3's find them equal.
   */
  async uploadMultipart(key: string, body: Readable): Promise<SinkPutResult> {
    const owner = this.expectedBucketOwner === undefined ? {} : { ExpectedBucketOwner: this.expectedBucketOwner };
    let uploadId: string | undefined;
    let failure: unknown;
    const parts: CompletedPart[] = [];
    const inflight = new Set<Promise<void>>();
    let partNumber = 0;
    const sendPart = (chunk: Buffer): void => {
      const n = ++partNumber;
      const p = this.client
        .send(new UploadPartCommand({
          Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: chunk, ContentLength: chunk.length,
          ContentMD5: createHash('md5').update(chunk).digest('base64'), ...owner,
        }))
        .then((r) => void parts.push({ ETag: r.ETag, PartNumber: n }))
        .catch((e: unknown) => void (failure ??= e))
        .finally(() => inflight.delete(p));
      inflight.add(p);
    };
    try {
      uploadId = (await this.client.send(new CreateMultipartUploadCommand(this.writeParams(key)))).UploadId;
      let pending: Buffer[] = [];
      let size = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        pending.push(chunk);
        size += chunk.length;
        if (size >= this.partSize) {
          sendPart(Buffer.concat(pending));
          pending = [];
          size = 0;
          while (inflight.size >= this.queueSize) await Promise.race(inflight);
        }
        if (failure) throw failure;
      }
      if (size > 0 || partNumber === 0) sendPart(Buffer.concat(pending));
      await Promise.all(inflight);
      if (failure) throw failure;
      parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
      const done = await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...owner }));
      return { key, etag: done.ETag };
    } catch (e) {
      await Promise.allSettled(inflight);
      if (uploadId !== undefined) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, ...owner })).catch(() => undefined);
      }
      const sinkFailure = toSinkFailure(e, 'Upload');
      if (!body.destroyed) body.destroy(sinkFailure);
      throw sinkFailure;
    }
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}

