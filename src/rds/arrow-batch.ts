/**
 * Builds Arrow record batches straight from rows of canonical values (no per-value Builder objects):
 * one pass per column fills the value, offset and validity buffers, which `makeData` wraps as they are.
 *
 * Canonical values by kind: int16/int32/float32/float64 → number, int64/timestamp → bigint (timestamps in
 * microseconds since the epoch, UTC), bool → boolean, utf8 → string, binary → Uint8Array, decimal → the
 * decimal text (`-123.45`), scaled here to the column's scale. null → NULL.
 */
import * as arrow from 'apache-arrow';
import type { ColumnKind, ColumnSpec } from './types.js';

export type Canonical = number | bigint | boolean | string | Uint8Array | null;

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

/** A batch and the bytes its values take (the "extracted data" AWS counts). */
export interface BuiltBatch {
  batch: arrow.RecordBatch;
  rawBytes: number;
}

export function buildBatch(schema: arrow.Schema, columns: ColumnSpec[], rows: Canonical[][]): BuiltBatch {
  const n = rows.length;
  let rawBytes = 0;
  const children = columns.map((c, i) => {
    const built = buildColumn(c.kind, c.scale ?? 0, rows, i, n, schema.fields[i]!.type as arrow.DataType);
    rawBytes += built.bytes;
    return built.data;
  });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
  return { batch: new arrow.RecordBatch(schema, struct), rawBytes };
}

const WIDTH: Record<ColumnKind, number> = { int16: 2, int32: 4, int64: 8, float32: 4, float64: 8, bool: 1, utf8: 0, binary: 0, decimal: 16, timestamp: 8 };

function buildColumn(kind: ColumnKind, scale: number, rows: Canonical[][], col: number, n: number, type: arrow.DataType): { data: arrow.Data; bytes: number } {
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  let bytes = 0;
  const isNull = (r: number): boolean => {
    const v = rows[r]![col];
    if (v === null || v === undefined) {
      nulls++;
      return true;
    }
    validity[r >> 3]! |= 1 << (r & 7);
    return false;
  };
  const done = (extra: Record<string, unknown>): { data: arrow.Data; bytes: number } => ({
    data: arrow.makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls > 0 ? validity : undefined, ...extra } as never),
    bytes,
  });
  switch (kind) {
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64': {
      const data = kind === 'int16' ? new Int16Array(n) : kind === 'int32' ? new Int32Array(n) : kind === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let r = 0; r < n; r++) if (!isNull(r)) data[r] = rows[r]![col] as number;
      bytes = (n - nulls) * WIDTH[kind];
      return done({ data });
    }
    case 'int64':
    case 'timestamp': {
      const data = new BigInt64Array(n);
      for (let r = 0; r < n; r++) if (!isNull(r)) data[r] = rows[r]![col] as bigint;
      bytes = (n - nulls) * 8;
      return done({ data });
    }
    case 'bool': {
      const data = new Uint8Array((n + 7) >> 3);
      for (let r = 0; r < n; r++) if (!isNull(r) && rows[r]![col]) data[r >> 3]! |= 1 << (r & 7);
      bytes = n - nulls;
      return done({ data });
    }
    case 'decimal': {
      const data = new Uint32Array(n * 4);
      for (let r = 0; r < n; r++) {
        if (isNull(r)) continue;
        let v = BigInt.asUintN(128, scaledDecimal(rows[r]![col] as string, scale));
        for (let w = 0; w < 4; w++) {
          data[r * 4 + w] = Number(v & 0xffffffffn);
          v >>= 32n;
        }
      }
      bytes = (n - nulls) * 16;
      return done({ data });
    }
    case 'utf8':
    case 'binary': {
      const offsets = new Int32Array(n + 1);
      let buf: Buffer = Buffer.allocUnsafe(Math.max(64, n * 16));
      let at = 0;
      for (let r = 0; r < n; r++) {
        offsets[r] = at;
        if (isNull(r)) continue;
        const v = rows[r]![col]!;
        if (typeof v === 'string') {
          const need = at + v.length * 3;
          if (need > buf.length) buf = grow(buf, at, need);
          at += buf.write(v, at, 'utf8');
        } else {
          const b = v as Uint8Array;
          if (at + b.length > buf.length) buf = grow(buf, at, at + b.length);
          buf.set(b, at);
          at += b.length;
        }
      }
      offsets[n] = at;
      bytes = at;
      return done({ valueOffsets: offsets, data: new Uint8Array(buf.buffer, buf.byteOffset, at) });
    }
  }
}

function grow(buf: Buffer, used: number, need: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
  buf.copy(next, 0, 0, used);
  return next;
}

/** "-12.5" at scale 3 → -12500n. Digits beyond the scale are cut (sources always give exactly `scale`). */
export function scaledDecimal(text: string, scale: number): bigint {
  let s = text.trim();
  let neg = false;
  if (s.startsWith('-')) {
    neg = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  const dot = s.indexOf('.');
  const int = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  const digits = (int || '0') + frac.slice(0, scale).padEnd(scale, '0');
  const v = BigInt(digits);
  return neg ? -v : v;
}
