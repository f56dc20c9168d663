/**
 * Parquet output: column batches become Arrow record batches (apache-arrow) handed to parquet-wasm (arrow-rs
 * compiled to WebAssembly), whose streaming writer pulls them one at a time and emits Parquet as row groups fill
 * up; its pages are then GZIP-compressed by Node's zlib (parquet-encode.ts, parquet-gzip.ts). Nothing holds more
 * than a batch or two plus one row group, so a table of any size is written in bounded memory; the pull chain
 * (S3 upload ← Parquet bytes ← batches ← database cursor) carries backpressure all the way to the source.
 *
 * The encoding (Arrow IPC, WASM, GZIP: most of an export's CPU) runs where a ParquetEncoder puts it: on worker
 * threads (parquet-encoder-pool.ts, the server's default) or on the calling thread (InThreadEncoder).
 */
import { Readable } from 'node:stream';
import type { ColumnBatch } from './arrow-batch.js';
import type { ColumnSpec } from './types.js';

export interface PartFile {
  /** Batch folder (1-based, spec 3.3) and part number within it. */
  batch: number;
  index: number;
  rows: number;
  /** Bytes of the values written (uncompressed, as the source holds them). */
  rawBytes: number;
}

/** Turns a sequence of column batches into the bytes of one Parquet file. */
export interface ParquetEncoder {
  /**
   * The Parquet file of the batches `pull` hands out until it returns null. An error from `pull` (or from the
   * encoding) destroys the stream with that error; destroying the stream stops the encoding.
   */
  encode(columns: ColumnSpec[], pull: () => Promise<ColumnBatch | null>): Readable;
}

export interface WritePartsOptions {
  /** Start a new file once a file holds this many bytes of values. */
  maxPartBytes: number;
  /** Where the next file goes: its batch folder and part number (parts of parallel partitions share a counter). */
  nextPart: () => { batch: number; index: number };
  /** Consumes one file's bytes (to a file, or to S3); resolves when they are durable. */
  target: (part: { batch: number; index: number }, body: Readable) => Promise<void>;
  /** Called after every batch (progress). */
  onBatch?: (rows: number, rawBytes: number) => void;
  /** Where the encoding runs (default: this thread). */
  encoder?: ParquetEncoder;
}

/** Encodes on the calling thread. */
export class InThreadEncoder implements ParquetEncoder {
  encode(columns: ColumnSpec[], pull: () => Promise<ColumnBatch | null>): Readable {
    let stopped = false;
    const guarded = async (): Promise<ColumnBatch | null> => {
      if (stopped) throw new Error('encoding stopped');
      return pull();
    };
    const body = Readable.from(
      (async function* () {
        // Loaded on first use: a server encoding on worker threads never loads apache-arrow or parquet-wasm here.
        const { parquetStream } = await import('./parquet-encode.js');
        yield* parquetStream(columns, guarded);
      })(),
      { objectMode: false },
    );
    body.once('close', () => (stopped = true));
    return body;
  }
}

const inThread = new InThreadEncoder();

/**
 * Writes column batches as Parquet files of at most about `maxPartBytes` of values each. A source that yields no
 * rows writes no file (as AWS: an empty range leaves a gap in the part numbers).
 */
export async function writeParts(batches: AsyncIterator<ColumnBatch>, columns: ColumnSpec[], opts: WritePartsOptions): Promise<PartFile[]> {
  const encoder = opts.encoder ?? inThread;
  const parts: PartFile[] = [];
  let readError: unknown;
  const next = async (): Promise<IteratorResult<ColumnBatch>> => {
    for (;;) {
      const r = await batches.next();
      if (r.done || r.value.rows > 0) return r;
    }
  };
  // The next batch not yet handed out: it is read while the previous one is being encoded.
  let ahead = next();
  ahead.catch(() => undefined);
  for (;;) {
    try {
      if ((await ahead).done) break;
    } catch (e) {
      throw readError ?? e;
    }
    const part: PartFile = { ...opts.nextPart(), rows: 0, rawBytes: 0 };
    const pull = async (): Promise<ColumnBatch | null> => {
      if (part.rawBytes >= opts.maxPartBytes) return null;
      let r: IteratorResult<ColumnBatch>;
      try {
        r = await ahead;
      } catch (e) {
        readError ??= e;
        throw e;
      }
      if (r.done) return null;
      ahead = next();
      ahead.catch(() => undefined);
      part.rows += r.value.rows;
      part.rawBytes += r.value.rawBytes;
      opts.onBatch?.(r.value.rows, r.value.rawBytes);
      return r.value;
    };
    const body = encoder.encode(columns, pull);
    try {
      await opts.target({ batch: part.batch, index: part.index }, body);
    } catch (e) {
      throw readError ?? e;
    } finally {
      body.destroy();
    }
    if (readError) throw readError;
    parts.push(part);
  }
  return parts;
}
