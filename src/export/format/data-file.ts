/**
 * Streaming writer of one export data file: lines in, a single-member gzip stream out, byte for byte in
 * AWS's framing (spec 3.1, 4.1): header `1f 8b 08 00 00000000 00 ff` (no flags, mtime 0, XFL 0, OS 0xff),
 * raw deflate body, CRC-32 and size trailer. An empty file is exactly the 20 bytes
 * `1f8b 0800 0000 0000 00ff 0300 0000 0000 0000 0000`.
 *
 * Memory stays bounded: lines are batched into chunks of about 256 KiB, handed to zlib (at most about 1 MiB
 * waiting there), and the compressed bytes flow to {@link DataFileWriter.stream}, whose consumer (the S3
 * upload) applies backpressure. While the bytes pass through, the writer counts them and hashes them, so at
 * the end it knows the manifest values: itemCount, md5Checksum (base64 MD5 of the .gz bytes) and etag
 * (`hex(md5(md5)) + "-1"`, the ETag of a one-part multipart upload).
 *
 * Usage (the stream must be consumed concurrently, or write/end will wait forever):
 *   const w = new DataFileWriter();
 *   const upload = sink.upload(key, w.stream);
 *   for (const line of lines) if (!w.writeLine(line)) await w.drained();
 *   const result = await w.end();
 *   await upload;
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';

/** The 10-byte gzip header AWS's 2024/2026 exports carry (OS byte 0xff = "unknown"). */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

export interface DataFileResult {
  /** Lines written (records; each counts 1 toward itemCount). */
  itemCount: number;
  /** Bytes of the .gz object. */
  compressedBytes: number;
  /** Bytes of the decompressed text. */
  uncompressedBytes: number;
  /** Raw MD5 of the .gz bytes. */
  md5: Buffer;
  /** base64(MD5(.gz bytes)): manifest-files.json `md5Checksum`. */
  md5Checksum: string;
  /** hex(MD5(MD5(.gz bytes))) + "-1": manifest-files.json `etag`. */
  etag: string;
}

export interface DataFileWriterOptions {
  /** zlib compression level (default 6, zlib's default). */
  level?: number;
  /** Size at which buffered lines are handed to zlib (default 256 KiB). */
  chunkBytes?: number;
}

/**
 * Chunks handed to zlib and not yet compressed before writeLine asks the caller to wait. Compression runs on
 * libuv's pool, one chunk at a time per file; the producer (segment reads on the main thread) refills the
 * queue when it is half empty, so the pool thread always has work queued while the next page is read,
 * rather than idling from the moment its queue empties until the producer has read and encoded more.
 */
const QUEUED_CHUNKS = 4;
/** zlib's output buffer: one pool job compresses until it is full, so this sets how long jobs run. */
const ZLIB_OUTPUT_CHUNK = 64 * 1024;

/** One-part multipart ETag from the raw MD5 of the object bytes. */
export function onePartEtag(md5: Buffer): string {
  return `${createHash('md5').update(md5).digest('hex')}-1`;
}

export class DataFileWriter {
  /** The compressed bytes, for the upload to consume. */
  readonly stream: Readable;

  private readonly deflate: DeflateRaw;
  private readonly hash: Hash = createHash('md5');
  private readonly chunkChars: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private crc = 0;
  private lines = 0;
  private rawBytes = 0;
  private gzBytes = 0;
  private needDrain = false;
  /** Bytes handed to zlib whose write has not completed yet. */
  private queued = 0;
  private readonly maxQueued: number;
  private ending = false;
  private finished = false;
  private failure: Error | null = null;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private done: Promise<DataFileResult>;
  private result: DataFileResult | null = null;

  constructor(options: DataFileWriterOptions = {}) {
    this.chunkChars = options.chunkBytes ?? 256 * 1024;
    this.maxQueued = QUEUED_CHUNKS * this.chunkChars;
    this.deflate = createDeflateRaw({ level: options.level ?? 6, chunkSize: ZLIB_OUTPUT_CHUNK });
    this.stream = new Readable({
      highWaterMark: 256 * 1024,
      read: () => {
        this.deflate.resume();
      },
      destroy: (err, cb) => {
        if (!this.finished) this.fail(err ?? new Error('data file stream was closed before the file was complete'));
        cb(err);
      },
    });
    // Failures reach the producer through drained()/end(); an upload that destroys the stream with an
    // error must not also crash the process as an unhandled 'error' event.
    this.stream.on('error', () => undefined);
    this.emit(GZIP_HEADER);

    this.deflate.on('data', (chunk: Buffer) => {
      if (!this.emit(chunk)) this.deflate.pause();
    });
    this.done = new Promise<DataFileResult>((resolve, reject) => {
      this.deflate.on('end', () => {
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(this.crc >>> 0, 0);
        trailer.writeUInt32LE(this.rawBytes % 0x1_0000_0000, 4);
        this.emit(trailer);
        const md5 = this.hash.digest();
        this.result = {
          itemCount: this.lines,
          compressedBytes: this.gzBytes,
          uncompressedBytes: this.rawBytes,
          md5,
          md5Checksum: md5.toString('base64'),
          etag: onePartEtag(md5),
        };
        this.finished = true;
        this.stream.push(null);
        resolve(this.result);
      });
      this.deflate.on('error', (err: Error) => {
        this.fail(err);
        reject(err);
      });
      this.failed = (err: Error) => reject(err);
    });
    // Avoid unhandled rejections when nobody awaits end() after a failure.
    this.done.catch(() => undefined);
  }

  private failed: (err: Error) => void = () => undefined;

  /** Pushes compressed bytes to the output, hashing and counting them. */
  private emit(chunk: Buffer): boolean {
    this.hash.update(chunk);
    this.gzBytes += chunk.length;
    return this.stream.push(chunk);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.deflate.destroy();
    if (!this.stream.destroyed) this.stream.destroy(err);
    this.failed(err);
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(err);
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.resolve();
  }

  /** Lines written so far. */
  get itemCount(): number {
    return this.lines;
  }

  /** Uncompressed bytes handed to zlib so far (lines still batched are not counted yet). */
  get uncompressedBytes(): number {
    return this.rawBytes;
  }

  /** The final values; null until {@link end} has resolved. */
  get info(): DataFileResult | null {
    return this.result;
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    const buf = Buffer.from(this.pending.length === 1 ? this.pending[0]! : this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    this.crc = crc32(buf, this.crc);
    this.rawBytes += buf.length;
    this.queued += buf.length;
    if (this.queued >= this.maxQueued) this.needDrain = true;
    // The callback runs once zlib has compressed the chunk (and its output has been taken), so `queued`
    // is what waits for the pool; the producer resumes at half the limit (see QUEUED_CHUNKS).
    this.deflate.write(buf, (err) => {
      this.queued -= buf.length;
      if (!err && this.needDrain && this.queued <= this.maxQueued / 2) {
        this.needDrain = false;
        this.wake();
      }
    });
  }

  /**
   * Adds one line (a record, ending in "\n"). Returns false when the caller should `await drained()`
   * before writing more (backpressure from zlib and the consumer of {@link stream}).
   */
  writeLine(line: string): boolean {
    if (this.failure) throw this.failure;
    if (this.ending) throw new Error('DataFileWriter: write after end');
    if (!line.endsWith('\n')) throw new Error('DataFileWriter: a line must end with "\\n"');
    this.pending.push(line);
    this.pendingChars += line.length;
    this.lines++;
    if (this.pendingChars >= this.chunkChars) this.flushPending();
    return !this.needDrain;
  }

  /** Resolves when more lines may be written; rejects if the file failed (e.g. its upload stopped reading). */
  drained(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.needDrain) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** writeLine + wait for backpressure. */
  async write(line: string): Promise<void> {
    if (!this.writeLine(line)) await this.drained();
  }

  /**
   * Ends the file. Resolves with the manifest values once every compressed byte has been handed to
   * {@link stream} (so the stream must be being consumed).
   */
  end(): Promise<DataFileResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.ending) {
      this.ending = true;
      this.flushPending();
      this.deflate.end();
    }
    return this.done;
  }

  /** Abandons the file: the stream errors, pending waits reject. */
  destroy(err?: Error): void {
    this.fail(err ?? new Error('data file abandoned'));
  }
}
