/**
 * PostgreSQL's binary COPY format (`COPY (SELECT ...) TO STDOUT (FORMAT binary)`) decoded straight into Arrow
 * column buffers: no JS string, row array or number object per value. Each selected column is cast to the type
 * whose binary form is its Arrow layout (int2/int4/int8/float4/float8/bool: big-endian fixed width; bytea: the
 * bytes; everything exported as a string: `::text`, i.e. PostgreSQL's own text rendering as UTF-8 bytes, the same
 * text a text-mode `SELECT col::text` returns).
 *
 * Format: an 11-byte signature, int32 flags, int32 header extension length (+ extension); then per tuple an int16
 * field count and, per field, an int32 length (-1 = NULL) and that many bytes; an int16 -1 ends the data. The
 * server sends whole tuples per CopyData message, but the decoder accepts any split.
 */
import { endianness } from 'node:os';
import type { ColumnBatch, ColumnBuffers } from '../arrow-batch.js';
import type { ColumnKind } from '../types.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const LITTLE_ENDIAN = endianness() === 'LE';

/** The SQL cast that makes a column's binary COPY form its Arrow layout. */
export function copyCast(kind: ColumnKind): string {
  switch (kind) {
    case 'int16':
      return 'int2';
    case 'int32':
      return 'int4';
    case 'int64':
      return 'int8';
    case 'float32':
      return 'float4';
    case 'float64':
      return 'float8';
    case 'bool':
      return 'bool';
    case 'binary':
      return 'bytea';
    default:
      return 'text';
  }
}

const FIXED: Partial<Record<ColumnKind, number>> = { int16: 2, int32: 4, int64: 8, float32: 4, float64: 8, bool: 1 };

/** How a column's values are stored while decoding (a small number, for a fast switch). */
const enum Store {
  Var = 0,
  Bool = 1,
  I16 = 2,
  I32 = 4,
  I64 = 8,
}

class Column {
  readonly width: number;
  readonly store: Store;
  validity!: Uint8Array;
  nulls = 0;
  /** Variable width: the bytes of the values; bool: the value bits; else the values' bytes (little-endian). */
  data!: Uint8Array;
  /** Views of data for 16 / 32-bit stores (64-bit values are written as two 32-bit halves). */
  i16!: Int16Array;
  i32!: Int32Array;
  offsets!: Int32Array;
  at = 0;
  /** Bytes of values of the previous batch (to size the next one's buffer). */
  private lastBytes = 0;

  constructor(readonly kind: ColumnKind, private readonly capacity: number) {
    this.width = FIXED[kind] ?? 0;
    this.store = kind === 'bool' ? Store.Bool : this.width === 2 ? Store.I16 : this.width === 4 ? Store.I32 : this.width === 8 ? Store.I64 : Store.Var;
    this.reset();
  }

  reset(): void {
    const n = this.capacity;
    this.validity = new Uint8Array((n + 7) >> 3);
    this.nulls = 0;
    this.at = 0;
    if (this.store === Store.Bool) this.data = new Uint8Array((n + 7) >> 3);
    else if (this.store !== Store.Var) {
      this.data = new Uint8Array(n * this.width);
      if (this.store === Store.I16) this.i16 = new Int16Array(this.data.buffer);
      else this.i32 = new Int32Array(this.data.buffer);
    } else {
      this.offsets = new Int32Array(n + 1);
      this.data = new Uint8Array(Math.max(1024, Math.ceil(this.lastBytes * 1.125)));
    }
  }

  grow(need: number): void {
    const next = new Uint8Array(Math.max(need, this.data.length * 2));
    next.set(this.data.subarray(0, this.at));
    this.data = next;
  }

  /** The column's buffers for `rows` rows (then a fresh set for the next batch). */
  take(rows: number): { buffers: ColumnBuffers; bytes: number } {
    const validity = this.nulls > 0 ? this.validity : null;
    let buffers: ColumnBuffers;
    let bytes: number;
    if (this.store === Store.Var) {
      this.offsets[rows] = this.at;
      buffers = { nulls: this.nulls, validity, data: this.data.subarray(0, this.at), offsets: this.offsets };
      bytes = this.at;
      this.lastBytes = this.at;
    } else {
      const b = this.data.buffer;
      const data =
        this.kind === 'bool' ? this.data
        : this.kind === 'int16' ? new Int16Array(b, 0, rows)
        : this.kind === 'int32' ? new Int32Array(b, 0, rows)
        : this.kind === 'int64' ? new BigInt64Array(b, 0, rows)
        : this.kind === 'float32' ? new Float32Array(b, 0, rows)
        : new Float64Array(b, 0, rows);
      buffers = { nulls: this.nulls, validity, data };
      bytes = (rows - this.nulls) * this.width;
    }
    this.reset();
    return { buffers, bytes };
  }
}

export interface CopyDecoderOptions {
  /** Rows per batch at most. */
  rows: number;
  /** A batch ends once its variable-width values reach this many bytes. */
  bytes: number;
}

/** Decodes a binary COPY stream into column batches. */
export class PgCopyDecoder {
  private readonly cols: Column[];
  private rows = 0;
  private varBytes = 0;
  private header = false;
  private carry: Buffer | null = null;
  /** True once the end-of-data marker has been read. */
  ended = false;

  constructor(kinds: ColumnKind[], private readonly opts: CopyDecoderOptions) {
    if (!LITTLE_ENDIAN) throw new Error('binary COPY decoding assumes a little-endian machine');
    this.cols = kinds.map((k) => new Column(k, opts.rows));
  }

  /** Feeds CopyData bytes (consumed before returning: the caller may reuse the buffer); full batches go to `emit`. */
  push(chunk: Buffer, emit: (b: ColumnBatch) => void): void {
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let pos = 0;
    const end = buf.length;
    if (!this.header) {
      if (end < 19) return this.keep(buf, 0);
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const ext = buf.readInt32BE(15);
      if (end < 19 + ext) return this.keep(buf, 0);
      pos = 19 + ext;
      this.header = true;
    }
    const cols = this.cols;
    const ncols = cols.length;
    while (pos < end) {
      if (this.ended) throw new Error('binary COPY: data after the end marker');
      if (end - pos < 2) return this.keep(buf, pos);
      const nf = ((buf[pos]! << 24) | (buf[pos + 1]! << 16)) >> 16;
      if (nf === -1) {
        this.ended = true;
        pos += 2;
        continue;
      }
      if (nf !== ncols) throw new Error(`binary COPY: ${nf} fields in a tuple, expected ${ncols}`);
      const r = this.rows;
      const byte = r >> 3;
      const bit = 1 << (r & 7);
      let p = pos + 2;
      let i = 0;
      for (; i < ncols; i++) {
        if (end - p < 4) break;
        const len = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
        p += 4;
        const c = cols[i]!;
        const store = c.store;
        if (store === Store.Var) c.offsets[r] = c.at;
        if (len < 0) {
          c.nulls++;
          continue;
        }
        if (end - p < len) {
          p -= 4;
          break;
        }
        c.validity[byte]! |= bit;
        switch (store) {
          case Store.Var: {
            let at = c.at;
            if (at + len > c.data.length) c.grow(at + len);
            const d = c.data;
            if (len < 64) for (let k = 0; k < len; k++) d[at++] = buf[p + k]!;
            else {
              buf.copy(d, at, p, p + len);
              at += len;
            }
            c.at = at;
            this.varBytes += len;
            break;
          }
          case Store.I64:
            if (len !== 8) throw badWidth(c, len);
            c.i32[r * 2 + 1] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
            c.i32[r * 2] = (buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!;
            break;
          case Store.I32:
            if (len !== 4) throw badWidth(c, len);
            c.i32[r] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
            break;
          case Store.I16:
            if (len !== 2) throw badWidth(c, len);
            c.i16[r] = (buf[p]! << 8) | buf[p + 1]!;
            break;
          case Store.Bool:
            if (len !== 1) throw badWidth(c, len);
            if (buf[p] !== 0) c.data[byte]! |= bit;
            break;
        }
        p += len;
      }
      if (i < ncols) {
        // The tuple goes on in the next chunk: undo its first i fields and keep its bytes for then.
        this.undo(r, i);
        return this.keep(buf, pos);
      }
      pos = p;
      this.rows = r + 1;
      if (this.rows >= this.opts.rows || this.varBytes >= this.opts.bytes) emit(this.take());
    }
  }

  /** The rows decoded since the last batch (null when none). */
  flush(): ColumnBatch | null {
    if (this.carry) throw new Error('binary COPY: the data ended inside a tuple');
    return this.rows > 0 ? this.take() : null;
  }

  private undo(r: number, fields: number): void {
    const byte = r >> 3;
    const bit = 1 << (r & 7);
    for (let i = 0; i < fields; i++) {
      const c = this.cols[i]!;
      if (c.validity[byte]! & bit) {
        c.validity[byte]! &= ~bit;
        if (c.store === Store.Bool) c.data[byte]! &= ~bit;
      } else c.nulls--;
      if (c.store === Store.Var) {
        this.varBytes -= c.at - c.offsets[r]!;
        c.at = c.offsets[r]!;
      }
    }
  }

  private keep(buf: Buffer, from: number): void {
    this.carry = Buffer.from(buf.subarray(from));
  }

  private take(): ColumnBatch {
    const rows = this.rows;
    let rawBytes = 0;
    const columns = this.cols.map((c) => {
      const t = c.take(rows);
      rawBytes += t.bytes;
      return t.buffers;
    });
    this.rows = 0;
    this.varBytes = 0;
    return { rows, rawBytes, columns };
  }
}

function badWidth(c: Column, len: number): Error {
  return new Error(`binary COPY: a ${c.kind} value of ${len} bytes`);
}
