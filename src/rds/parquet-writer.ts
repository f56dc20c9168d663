/**
 * Parquet output: Arrow record batches (apache-arrow) are handed to parquet-wasm (arrow-rs compiled to
 * WebAssembly), whose streaming writer pulls them one at a time and emits GZIP-compressed Parquet as
 * row groups fill up. Nothing holds more than one batch plus one row group, so a table of any size is
 * written in bounded memory; the pull chain (S3 upload ← Parquet bytes ← batches ← database cursor)
 * carries backpressure all the way to the source.
 */
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { arrowSchema, buildBatch, type Canonical } from './arrow-batch.js';
import type { ColumnSpec } from './types.js';

/** Rows per row group at most; row groups are also cut at ROW_GROUP_BYTES of encoded data. */
const ROW_GROUP_ROWS = 128 * 1024;
const ROW_GROUP_BYTES = 32 * 1024 * 1024;

export interface PartFile {
  index: number;
  rows: number;
  /** Bytes of the values written (uncompressed, as the source holds them). */
  rawBytes: number;
}

export interface WritePartsOptions {
  /** Start a new file once a file holds this many bytes of values. */
  maxPartBytes: number;
  /** The next part number of the table (parts of parallel partitions share one counter). */
  nextIndex: () => number;
  /** Consumes one file's bytes (to a file, or to S3); resolves when they are durable. */
  target: (index: number, body: Readable) => Promise<void>;
  /** Called after every batch (progress). */
  onBatch?: (rows: number, rawBytes: number) => void;
}

function writerProperties(): pw.WriterProperties {
  let b = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.GZIP).setMaxRowGroupSize(ROW_GROUP_ROWS).setCreatedBy('strata (parquet-rs via parquet-wasm)');
  b = b.setMaxRowGroupBytes(ROW_GROUP_BYTES);
  return b.build();
}

function toWasm(batch: arrow.RecordBatch): pw.RecordBatch[] {
  const ipc = arrow.tableToIPC(new arrow.Table([batch]), 'stream');
  const table = pw.Table.fromIPCStream(ipc);
  const batches = table.recordBatches();
  table.free();
  return batches;
}

/**
 * Writes chunks of rows as Parquet files of at most about `maxPartBytes` of values each. A source that
 * yields no rows writes no file (as AWS: an empty range leaves a gap in the part numbers).
 */
export async function writeParts(rows: AsyncIterator<Canonical[][]>, columns: ColumnSpec[], opts: WritePartsOptions): Promise<PartFile[]> {
  const schema = arrowSchema(columns);
  const parts: PartFile[] = [];
  let readError: unknown;
  const next = async (): Promise<IteratorResult<Canonical[][]>> => {
    for (;;) {
      const r = await rows.next();
      if (r.done || r.value.length > 0) return r;
    }
  };
  let pending = await next();
  while (!pending.done) {
    const part: PartFile = { index: opts.nextIndex(), rows: 0, rawBytes: 0 };
    const batches = new ReadableStream<pw.RecordBatch>(
      {
        pull: async (ctrl) => {
          try {
            if (pending.done || part.rawBytes >= opts.maxPartBytes) return ctrl.close();
            const chunk = pending.value;
            const built = buildBatch(schema, columns, chunk);
            part.rows += chunk.length;
            part.rawBytes += built.rawBytes;
            opts.onBatch?.(chunk.length, built.rawBytes);
            for (const b of toWasm(built.batch)) ctrl.enqueue(b);
            pending = await next();
          } catch (e) {
            readError = e;
            ctrl.error(e);
          }
        },
      },
      { highWaterMark: 1 },
    );
    try {
      const out = (await pw.transformParquetStream(batches, writerProperties())) as unknown as WebReadableStream<Uint8Array>;
      await opts.target(part.index, Readable.fromWeb(out));
    } catch (e) {
      throw readError ?? e;
    }
    if (readError) throw readError;
    parts.push(part);
  }
  return parts;
}
