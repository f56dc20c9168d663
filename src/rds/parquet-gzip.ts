/**
 * GZIP compression of Parquet pages with Node's zlib. parquet-wasm compresses GZIP pages with miniz_oxide at
 * level 6 inside WebAssembly, which was about half of an export's encoding time, and has no setting for the level. So
 * the writer emits uncompressed pages and this stream compresses each page (native zlib, GZIP_LEVEL), rewriting
 * what depends on page sizes: the page header's compressed_page_size, and in the footer each column chunk's codec,
 * offsets and total_compressed_size, each row group's file_offset and total_compressed_size, and the page
 * locations of the offset index. The file is what arrow-rs writes with GZIP, byte for byte the same values,
 * encodings, statistics and page boundaries; only the deflate streams differ.
 *
 * Pages stream through one at a time (a page is about a megabyte at most, unless one value is larger); only the
 * page indexes and footer at the end of the file are held whole. Structures are read and written with a small
 * generic Thrift compact-protocol codec, so fields this module does not know are kept as they are.
 */
import { gzipSync } from 'node:zlib';

/**
 * zlib level. On exported tables level 4 (the first with lazy matching) compresses as well as 6 within a few
 * percent, at the speed of levels 1-3: about half the CPU of miniz_oxide's level 6 in WebAssembly.
 */
export const GZIP_LEVEL = 4;
/** Compressed pages are handed on in chunks of about this size. */
const OUT_CHUNK = 1024 * 1024;

// ---- Thrift compact protocol ----

const T = { STOP: 0, TRUE: 1, FALSE: 2, I8: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12, UUID: 13 } as const;

type TValue = number | bigint | boolean | Uint8Array | TStruct | TList | TMap;
export interface TField {
  id: number;
  type: number;
  value: TValue;
}
export type TStruct = TField[];
interface TList {
  elem: number;
  items: TValue[];
}
interface TMap {
  key: number;
  val: number;
  entries: [TValue, TValue][];
}

class Incomplete extends Error {}

class Reader {
  constructor(private readonly buf: Uint8Array, public pos: number, private readonly end = buf.length) {}

  byte(): number {
    if (this.pos >= this.end) throw new Incomplete();
    return this.buf[this.pos++]!;
  }

  varint(): bigint {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  }

  zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  bytes(n: number): Uint8Array {
    if (this.end - this.pos < n) throw new Incomplete();
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  value(type: number): TValue {
    switch (type) {
      case T.TRUE:
        return true;
      case T.FALSE:
        return false;
      case T.I8:
        return this.byte();
      case T.I16:
      case T.I32:
        return Number(this.zigzag());
      case T.I64:
        return this.zigzag();
      case T.DOUBLE:
        return this.bytes(8).slice();
      case T.UUID:
        return this.bytes(16).slice();
      case T.BINARY:
        return this.bytes(Number(this.varint())).slice();
      case T.LIST:
      case T.SET: {
        const h = this.byte();
        const size = h >> 4 === 15 ? Number(this.varint()) : h >> 4;
        const elem = h & 15;
        const items: TValue[] = [];
        // Booleans in a collection are one byte each, kept as that byte.
        for (let i = 0; i < size; i++) items.push(elem === T.TRUE || elem === T.FALSE ? this.byte() : this.value(elem));
        return { elem, items };
      }
      case T.MAP: {
        const size = Number(this.varint());
        const entries: [TValue, TValue][] = [];
        if (size === 0) return { key: 0, val: 0, entries };
        const kv = this.byte();
        const key = kv >> 4;
        const val = kv & 15;
        for (let i = 0; i < size; i++) entries.push([this.value(key), this.value(val)]);
        return { key, val, entries };
      }
      case T.STRUCT:
        return this.struct();
      default:
        throw new Error(`Parquet metadata: unknown Thrift type ${type}`);
    }
  }

  struct(): TStruct {
    const fields: TStruct = [];
    let last = 0;
    for (;;) {
      const h = this.byte();
      const type = h & 15;
      if (type === T.STOP) return fields;
      const delta = h >> 4;
      const id = delta === 0 ? Number(this.zigzag()) : last + delta;
      last = id;
      fields.push({ id, type, value: this.value(type) });
    }
  }
}

class Writer {
  private buf = new Uint8Array(256);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.at + n, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  varint(v: bigint): void {
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      this.byte(b);
    } while (v !== 0n);
  }

  zigzag(v: bigint): void {
    this.varint(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }

  value(type: number, v: TValue): void {
    switch (type) {
      case T.I8:
        return this.byte(v as number);
      case T.I16:
      case T.I32:
        return this.zigzag(BigInt(v as number));
      case T.I64:
        return this.zigzag(v as bigint);
      case T.DOUBLE:
      case T.UUID:
        return this.raw(v as Uint8Array);
      case T.BINARY:
        this.varint(BigInt((v as Uint8Array).length));
        return this.raw(v as Uint8Array);
      case T.LIST:
      case T.SET: {
        const l = v as TList;
        if (l.items.length < 15) this.byte((l.items.length << 4) | l.elem);
        else {
          this.byte(0xf0 | l.elem);
          this.varint(BigInt(l.items.length));
        }
        for (const item of l.items) {
          if (l.elem === T.TRUE || l.elem === T.FALSE) this.byte(item as number);
          else this.value(l.elem, item);
        }
        return;
      }
      case T.MAP: {
        const m = v as TMap;
        this.varint(BigInt(m.entries.length));
        if (m.entries.length === 0) return;
        this.byte((m.key << 4) | m.val);
        for (const [k, x] of m.entries) {
          this.value(m.key, k);
          this.value(m.val, x);
        }
        return;
      }
      case T.STRUCT:
        return this.struct(v as TStruct);
      default:
        throw new Error(`Parquet metadata: cannot write Thrift type ${type}`);
    }
  }

  struct(fields: TStruct): void {
    let last = 0;
    for (const f of fields) {
      const type = f.type === T.TRUE || f.type === T.FALSE ? (f.value ? T.TRUE : T.FALSE) : f.type;
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(BigInt(f.id));
      }
      last = f.id;
      if (type !== T.TRUE && type !== T.FALSE) this.value(type, f.value);
    }
    this.byte(T.STOP);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

export function readStruct(buf: Uint8Array, pos = 0): { struct: TStruct; end: number } {
  const r = new Reader(buf, pos);
  const struct = r.struct();
  return { struct, end: r.pos };
}

export function writeStruct(s: TStruct): Uint8Array {
  const w = new Writer();
  w.struct(s);
  return w.bytes();
}

function field(s: TStruct, id: number): TField | undefined {
  return s.find((f) => f.id === id);
}

function num(s: TStruct, id: number): number | undefined {
  const f = field(s, id);
  return f === undefined ? undefined : Number(f.value as number | bigint);
}

function set(s: TStruct, id: number, type: number, value: TValue): void {
  const f = field(s, id);
  if (f) {
    f.type = type;
    f.value = value;
  } else {
    s.push({ id, type, value });
    s.sort((a, b) => a.id - b.id);
  }
}

// ---- the page stream ----

const MAGIC = Buffer.from('PAR1', 'latin1');
const PAGE = { DATA: 0, INDEX: 1, DICTIONARY: 2, DATA_V2: 3 } as const;
const CODEC_GZIP = 2;

/** A page header: fields 1 (type), 2 (uncompressed size) and 3 (compressed size), all i32; nothing else in Parquet starts so. */
function isPageHeader(s: TStruct): boolean {
  return [1, 2, 3].every((id) => field(s, id)?.type === T.I32);
}

/** Where the pages of the input went in the output: exact for page starts and the end of the page area. */
class OffsetMap {
  private readonly oldStarts: number[] = [];
  private readonly newStarts: number[] = [];
  /** Per page: its new header plus its uncompressed data (what total_uncompressed_size counts). */
  private readonly unzipped: number[] = [];
  readonly sizes = new Map<number, number>();
  tailOld = -1;
  tailNew = -1;
  /** In the tail (page indexes, footer): [old start, new start, old length] of each stretch. */
  readonly tail: [number, number, number][] = [];

  page(oldStart: number, newStart: number, newSize: number, unzipped: number): void {
    this.oldStarts.push(oldStart);
    this.newStarts.push(newStart);
    this.unzipped.push(unzipped);
    this.sizes.set(oldStart, newSize);
  }

  /** total_uncompressed_size of the pages starting in [from, to) of the input. */
  uncompressed(from: number, to: number): number {
    let n = 0;
    for (let i = this.firstAtOrAfter(from); i < this.oldStarts.length && this.oldStarts[i]! < to; i++) n += this.unzipped[i]!;
    return n;
  }

  private firstAtOrAfter(v: number): number {
    let lo = 0;
    let hi = this.oldStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.oldStarts[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  map(old: number): number {
    if (old === this.tailOld) return this.tailNew;
    if (old > this.tailOld) {
      for (const [o, n, len] of this.tail) if (old >= o && old < o + len) return n + (old - o);
      throw new Error(`Parquet rewrite: offset ${old} is past the data`);
    }
    let lo = 0;
    let hi = this.oldStarts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.oldStarts[mid]!;
      if (v === old) return this.newStarts[mid]!;
      if (v < old) lo = mid + 1;
      else hi = mid - 1;
    }
    if (old === 4) return 4;
    throw new Error(`Parquet rewrite: offset ${old} is not a page start`);
  }
}

/**
 * Turns an uncompressed Parquet file (as arrow-rs writes it, in any chunking) into the same file with GZIP pages.
 */
export async function* gzipPages(input: AsyncIterable<Uint8Array>, level = GZIP_LEVEL): AsyncGenerator<Uint8Array> {
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0; // into buf
  let base = 0; // input offset of buf[0]
  let written = 0;
  let out: Uint8Array[] = [];
  let outBytes = 0;
  const offsets = new OffsetMap();
  let started = false;
  let inTail = false;
  let tail: Uint8Array[] = [];

  const emit = (b: Uint8Array): void => {
    out.push(b);
    outBytes += b.length;
    written += b.length;
  };
  const take = (): Uint8Array => {
    const b = out.length === 1 ? out[0]! : Buffer.concat(out);
    out = [];
    outBytes = 0;
    return b;
  };

  for await (const chunk of input) {
    if (inTail) {
      tail.push(chunk);
      continue;
    }
    buf = pos < buf.length ? Buffer.concat([buf.subarray(pos), chunk]) : chunk;
    base += pos;
    pos = 0;
    if (!started) {
      if (buf.length < 4) continue;
      if (!Buffer.from(buf.buffer, buf.byteOffset, 4).equals(MAGIC)) throw new Error('Parquet rewrite: not a Parquet file');
      emit(MAGIC);
      pos = 4;
      started = true;
    }
    while (!inTail) {
      let header: { struct: TStruct; end: number };
      try {
        header = readStruct(buf, pos);
      } catch (e) {
        if (e instanceof Incomplete) break;
        throw e;
      }
      if (!isPageHeader(header.struct)) {
        // Page indexes and the footer: kept until the end, then rewritten.
        inTail = true;
        offsets.tailOld = base + pos;
        offsets.tailNew = written;
        tail.push(buf.subarray(pos));
        pos = buf.length;
        break;
      }
      const size = num(header.struct, 3)!;
      if (buf.length - header.end < size) break;
      const type = num(header.struct, 1)!;
      if (type !== PAGE.DATA && type !== PAGE.DICTIONARY) throw new Error(`Parquet rewrite: unexpected page type ${type}`);
      const data = buf.subarray(header.end, header.end + size);
      const zipped = gzipSync(data, { level });
      const h = header.struct.filter((f) => f.id !== 4); // no CRC (optional; it would cover the old bytes)
      set(h, 3, T.I32, zipped.length);
      const hb = writeStruct(h);
      offsets.page(base + pos, written, hb.length + zipped.length, hb.length + num(h, 2)!);
      emit(hb);
      emit(zipped);
      pos = header.end + size;
      if (outBytes >= OUT_CHUNK) yield take();
    }
  }
  if (!inTail) throw new Error('Parquet rewrite: the file ended without its footer');
  const tailBytes = Buffer.concat(tail);
  tail = [];
  yield* rewriteTail(tailBytes, offsets, written, emit, take);
}

/** The page indexes and the footer, with every offset and size moved to where the pages went. */
function* rewriteTail(
  tail: Uint8Array,
  offsets: OffsetMap,
  start: number,
  emit: (b: Uint8Array) => void,
  take: () => Uint8Array,
): Generator<Uint8Array> {
  const n = tail.length;
  if (n < 8 || !Buffer.from(tail.buffer, tail.byteOffset + n - 4, 4).equals(MAGIC)) throw new Error('Parquet rewrite: no footer');
  const metaLen = Buffer.from(tail.buffer, tail.byteOffset, n).readUInt32LE(n - 8);
  const metaStart = n - 8 - metaLen;
  const meta = readStruct(tail.subarray(metaStart, n - 8)).struct;
  const tailOld = offsets.tailOld;

  // Offset indexes are rewritten (their page locations move); everything else in the tail is copied as it is.
  const rewritten = new Map<number, Uint8Array>(); // tail-relative start → new bytes
  const lengths = new Map<number, number>();
  const chunks: TStruct[] = [];
  for (const rg of (field(meta, 4)?.value as TList | undefined)?.items ?? []) {
    for (const cc of (field(rg as TStruct, 1)!.value as TList).items) chunks.push(cc as TStruct);
  }
  for (const cc of chunks) {
    const at = num(cc, 4);
    const len = num(cc, 5);
    if (at === undefined || len === undefined) continue;
    const rel = at - tailOld;
    const idx = readStruct(tail.subarray(rel, rel + len)).struct;
    for (const loc of (field(idx, 1)!.value as TList).items) {
      const l = loc as TStruct;
      const old = num(l, 1)!;
      set(l, 1, T.I64, BigInt(offsets.map(old)));
      set(l, 2, T.I32, offsets.sizes.get(old)!);
    }
    rewritten.set(rel, writeStruct(idx));
    lengths.set(rel, len);
  }
  // The stretches of the tail before the footer, in order: rewritten offset indexes and verbatim gaps.
  const starts = [...rewritten.keys()].sort((a, b) => a - b);
  let at = 0;
  let next = start;
  const pieces: Uint8Array[] = [];
  const place = (old: number, bytes: Uint8Array, oldLen: number): void => {
    offsets.tail.push([tailOld + old, next, oldLen]);
    pieces.push(bytes);
    next += bytes.length;
  };
  for (const s of starts) {
    if (s > at) place(at, tail.subarray(at, s), s - at);
    place(s, rewritten.get(s)!, lengths.get(s)!);
    at = s + lengths.get(s)!;
  }
  if (metaStart > at) place(at, tail.subarray(at, metaStart), metaStart - at);

  // The footer.
  for (const rg of (field(meta, 4)?.value as TList | undefined)?.items ?? []) {
    const g = rg as TStruct;
    let total = 0n;
    let unzipped = 0n;
    for (const c of (field(g, 1)!.value as TList).items) {
      const cc = c as TStruct;
      const md = field(cc, 3)?.value as TStruct | undefined;
      if (md) {
        const dataPage = num(md, 9)!;
        const dict = num(md, 11);
        const first = dict !== undefined && dict > 0 ? Math.min(dict, dataPage) : dataPage;
        const end = first + num(md, 7)!;
        const size = BigInt(offsets.map(end) - offsets.map(first));
        const raw = BigInt(offsets.uncompressed(first, end));
        set(md, 4, T.I32, CODEC_GZIP);
        set(md, 6, T.I64, raw);
        set(md, 7, T.I64, size);
        set(md, 9, T.I64, BigInt(offsets.map(dataPage)));
        if (dict !== undefined && dict > 0) set(md, 11, T.I64, BigInt(offsets.map(dict)));
        for (const id of [10, 14]) {
          const v = num(md, id);
          if (v !== undefined && v > 0) set(md, id, T.I64, BigInt(offsets.map(v)));
        }
        total += size;
        unzipped += raw;
      }
      const fo = num(cc, 2);
      if (fo !== undefined && fo > 0) set(cc, 2, T.I64, BigInt(offsets.map(fo)));
      for (const [offId, lenId] of [[4, 5], [6, 7]] as const) {
        const o = num(cc, offId);
        if (o === undefined) continue;
        const newStart = offsets.map(o);
        set(cc, offId, T.I64, BigInt(newStart));
        const rel = o - tailOld;
        if (rewritten.has(rel)) set(cc, lenId, T.I32, rewritten.get(rel)!.length);
      }
    }
    // total_byte_size: arrow-rs sums its chunks' total_uncompressed_size.
    set(g, 2, T.I64, unzipped);
    const fo = num(g, 5);
    if (fo !== undefined) set(g, 5, T.I64, BigInt(offsets.map(fo)));
    if (field(g, 6)) set(g, 6, T.I64, total);
  }
  for (const p of pieces) emit(p);
  const footer = writeStruct(meta);
  emit(footer);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  emit(len);
  emit(MAGIC);
  yield take();
}
