/**
 * Column batches: rows of a table as Arrow's buffers (values, offsets, validity bits) in plain typed arrays, which
 * is what sources produce and what crosses to an encoder thread. Row sources (MySQL, PGlite) fill them from
 * canonical values in one pass per column; PostgreSQL's binary COPY is decoded straight into them (pg-copy.ts).
 * Wrapping them as Apache Arrow objects is left to the encoder (parquet-encode.ts), so the main thread need not
 * load apache-arrow or parquet-wasm at all.
 *
 * Canonical values by kind: int16/int32/float32/float64 → number, int64/timestamp → bigint (timestamps in
 * microseconds since the epoch, UTC), bool → boolean, utf8 → string, binary → Uint8Array, decimal → the
 * decimal text (`-123.45`), scaled here to the column's scale. null → NULL.
 */
import type { ColumnKind, ColumnSpec } from './types.js';

export type Canonical = number | bigint | boolean | string | Uint8Array | null;

/** One column of a batch as Arrow buffers: values (or bits), offsets for variable width, validity when there are NULLs. */
export interface ColumnBuffers {
  nulls: number;
  /** LSB-first validity bits; null when the column has no NULL in the batch. */
  validity: Uint8Array | null;
  data: Uint8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array | Uint32Array;
  /** utf8 / binary only: n + 1 offsets into data. */
  offsets?: Int32Array;
}

/**
 * A batch of rows, column by column, in plain transferable buffers (what crosses to an encoder worker), and the
 * bytes its values take (the "extracted data" AWS counts: fixed widths for numbers, UTF-8 / byte lengths otherwise).
 * Its ArrayBuffers belong to it alone: they are moved, not copied, to the encoder thread.
 */
export interface ColumnBatch {
  rows: number;
  rawBytes: number;
  columns: ColumnBuffers[];
}

/** The ArrayBuffers a batch owns (to transfer rather than copy to a worker). */
export function batchBuffers(b: ColumnBatch): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const c of b.columns) {
    for (const a of [c.data, c.validity, c.offsets]) if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  }
  return [...out];
}

/** Rows of canonical values → a column batch. */
export function rowsToBatch(columns: ColumnSpec[], rows: Canonical[][]): ColumnBatch {
  const n = rows.length;
  let rawBytes = 0;
  const cols = columns.map((c, i) => {
    const built = buildColumn(c.kind, c.scale ?? 0, rows, i, n);
    rawBytes += built.bytes;
    return built.buffers;
  });
  return { rows: n, rawBytes, columns: cols };
}

const WIDTH: Record<ColumnKind, number> = { int16: 2, int32: 4, int64: 8, float32: 4, float64: 8, bool: 1, utf8: 0, binary: 0, decimal: 16, timestamp: 8 };

function buildColumn(kind: ColumnKind, scale: number, rows: Canonical[][], col: number, n: number): { buffers: ColumnBuffers; bytes: number } {
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
  const done = (data: ColumnBuffers['data'], offsets?: Int32Array): { buffers: ColumnBuffers; bytes: number } => ({
    buffers: { nulls, validity: nulls > 0 ? validity : null, data, ...(offsets ? { offsets } : {}) },
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
      return done(data);
    }
    case 'int64':
    case 'timestamp': {
      const data = new BigInt64Array(n);
      for (let r = 0; r < n; r++) if (!isNull(r)) data[r] = rows[r]![col] as bigint;
      bytes = (n - nulls) * 8;
      return done(data);
    }
    case 'bool': {
      const data = new Uint8Array((n + 7) >> 3);
      for (let r = 0; r < n; r++) if (!isNull(r) && rows[r]![col]) data[r >> 3]! |= 1 << (r & 7);
      bytes = n - nulls;
      return done(data);
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
      return done(data);
    }
    case 'utf8':
    case 'binary': {
      const offsets = new Int32Array(n + 1);
      // Not from Buffer's shared pool: the buffer may be transferred to a worker.
      let buf: Buffer = Buffer.allocUnsafeSlow(Math.max(64, n * 16));
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
      return done(new Uint8Array(buf.buffer, buf.byteOffset, at), offsets);
    }
  }
}

function grow(buf: Buffer, used: number, need: number): Buffer {
  const next = Buffer.allocUnsafeSlow(Math.max(need, buf.length * 2));
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
