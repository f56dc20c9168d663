/**
 * The encoding itself, wherever it runs (an encoder thread, or the main thread with STRATA_RDS_ENCODERS=0):
 * column batches → Apache Arrow record batches → Arrow IPC → parquet-wasm's streaming writer (uncompressed
 * pages, row groups of at most ROW_GROUP_ROWS rows / ROW_GROUP_BYTES) → GZIP pages (parquet-gzip.ts).
 */
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ColumnBatch } from './arrow-batch.js';
import { gzipPages } from './parquet-gzip.js';
import type { ColumnSpec } from './types.js';

/** Rows per row group at most; row groups are also cut at ROW_GROUP_BYTES of encoded data. */
const ROW_GROUP_ROWS = 128 * 1024;
const ROW_GROUP_BYTES = 32 * 1024 * 1024;
/**
 * A column chunk stays dictionary-encoded while its dictionary is under this size, then falls back to plain
 * encoding (arrow-rs's default, 1 MB, keeps unique columns such as ids, timestamps or text dictionary-encoded for
 * a whole row group: the hashing costs about a third of the encoding and the dictionary indices compress worse
 * than the plain values). Low-cardinality columns (status, enum, country, ...) still get their dictionary.
 */
const DICTIONARY_PAGE_BYTES = 64 * 1024;

export function arrowType(c: ColumnSpec): arrow.DataType {
  switch (c.kind) {
    case 'int16':
      return new arrow.Int16();
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'float32':
      return new arrow.Float32();
    case 'float64':
      return new arrow.Float64();
    case 'bool':
      return new arrow.Bool();
    case 'utf8':
      return new arrow.Utf8();
    case 'binary':
      return new arrow.Binary();
    case 'decimal':
      return new arrow.Decimal(c.scale!, c.precision!, 128);
    case 'timestamp':
      return new arrow.TimestampMicrosecond('UTC');
  }
}

export function arrowSchema(columns: ColumnSpec[]): arrow.Schema {
  return new arrow.Schema(columns.map((c) => new arrow.Field(c.name, arrowType(c), true)));
}

/** The Arrow record batch of a column batch (no copy: the buffers are wrapped as they are). */
export function toRecordBatch(schema: arrow.Schema, b: ColumnBatch): arrow.RecordBatch {
  const children = b.columns.map((c, i) => {
    const type = schema.fields[i]!.type as arrow.DataType;
    return arrow.makeData({
      type, length: b.rows, nullCount: c.nulls, nullBitmap: c.nulls > 0 ? c.validity : undefined, data: c.data,
      ...(c.offsets ? { valueOffsets: c.offsets } : {}),
    } as never);
  });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: b.rows, nullCount: 0, children });
  return new arrow.RecordBatch(schema, struct);
}

/** The writer's settings: pages are written uncompressed and GZIP-compressed afterwards (parquet-gzip.ts). */
export function writerProperties(): pw.WriterProperties {
  return new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.UNCOMPRESSED)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setMaxRowGroupBytes(ROW_GROUP_BYTES)
    .setDictionaryPageSizeLimit(DICTIONARY_PAGE_BYTES)
    .setCreatedBy('strata (parquet-rs via parquet-wasm)')
    .build();
}

function toWasm(schema: arrow.Schema, batch: ColumnBatch): pw.RecordBatch[] {
  const ipc = arrow.tableToIPC(new arrow.Table([toRecordBatch(schema, batch)]), 'stream');
  const table = pw.Table.fromIPCStream(ipc);
  const batches = table.recordBatches();
  table.free();
  return batches;
}

/** The Parquet bytes (GZIP) of the batches `pull` returns until null, encoded on this thread. */
export function parquetStream(columns: ColumnSpec[], pull: () => Promise<ColumnBatch | null>): AsyncGenerator<Uint8Array> {
  return gzipPages(uncompressedParquet(columns, pull));
}

async function* uncompressedParquet(columns: ColumnSpec[], pull: () => Promise<ColumnBatch | null>): AsyncGenerator<Uint8Array> {
  const schema = arrowSchema(columns);
  const batches = new ReadableStream<pw.RecordBatch>(
    {
      pull: async (ctrl) => {
        const b = await pull();
        if (!b) return ctrl.close();
        for (const rb of toWasm(schema, b)) ctrl.enqueue(rb);
      },
    },
    { highWaterMark: 1 },
  );
  yield* (await pw.transformParquetStream(batches, writerProperties())) as unknown as WebReadableStream<Uint8Array>;
}
