import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** S3's additional checksum algorithms (x-amz-checksum-*), values carried as base64 of the big-endian digest. */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function parseChecksumAlgorithm(s: string | undefined): ChecksumAlgorithm | undefined {
  if (!s) return undefined;
  const up = s.toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(up) ? (up as ChecksumAlgorithm) : undefined;
}

/** The header carrying an algorithm's value: x-amz-checksum-crc32, ... */
export function checksumHeader(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

/** Digest length in bytes, to validate base64 values sent by clients. */
export function checksumLength(alg: ChecksumAlgorithm): number {
  switch (alg) {
    case 'CRC32':
    case 'CRC32C':
      return 4;
    case 'CRC64NVME':
      return 8;
    case 'SHA1':
      return 20;
    case 'SHA256':
      return 32;
  }
}

export interface Checksummer {
  update(data: Buffer): void;
  /** Raw big-endian digest bytes. */
  digest(): Buffer;
}

export function newChecksummer(alg: ChecksumAlgorithm): Checksummer {
  switch (alg) {
    case 'CRC32': {
      let v = 0;
      return {
        update: (d) => void (v = crc32(d, v)),
        digest: () => u32(v),
      };
    }
    case 'CRC32C': {
      let v = 0xffffffff;
      return {
        update: (d) => void (v = crc32cUpdate(v, d)),
        digest: () => u32((v ^ 0xffffffff) >>> 0),
      };
    }
    case 'CRC64NVME': {
      const state = { lo: 0xffffffff, hi: 0xffffffff };
      return {
        update: (d) => crc64Update(state, d),
        digest: () => {
          const b = Buffer.alloc(8);
          b.writeUInt32BE((state.hi ^ 0xffffffff) >>> 0, 0);
          b.writeUInt32BE((state.lo ^ 0xffffffff) >>> 0, 4);
          return b;
        },
      };
    }
    case 'SHA1':
    case 'SHA256': {
      const h = createHash(alg === 'SHA1' ? 'sha1' : 'sha256');
      return {
        update: (d) => void h.update(d),
        digest: () => h.digest(),
      };
    }
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, slice-by-8 tables.
const C32 = (() => {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) {
      const prev = t[(s - 1) * 256 + i]!;
      t[s * 256 + i] = ((prev >>> 8) ^ t[prev & 0xff]!) >>> 0;
    }
  }
  return t;
})();

function crc32cUpdate(crc: number, d: Buffer): number {
  let c = crc >>> 0;
  let i = 0;
  const n = d.length;
  const t = C32;
  for (; i + 8 <= n; i += 8) {
    const a = (c ^ (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24))) >>> 0;
    c =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + d[i + 4]!]! ^
      t[2 * 256 + d[i + 5]!]! ^
      t[1 * 256 + d[i + 6]!]! ^
      t[d[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ d[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

// CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, table split into 32-bit halves.
const C64 = (() => {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    lo[i] = Number(c & 0xffffffffn);
    hi[i] = Number(c >> 32n);
  }
  return { lo, hi };
})();

function crc64Update(state: { lo: number; hi: number }, d: Buffer): void {
  let lo = state.lo;
  let hi = state.hi;
  const tl = C64.lo;
  const th = C64.hi;
  for (let i = 0; i < d.length; i++) {
    const idx = (lo ^ d[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ tl[idx]!) >>> 0;
    hi = ((hi >>> 8) ^ th[idx]!) >>> 0;
  }
  state.lo = lo;
  state.hi = hi;
}

/** Composite multipart checksum: the algorithm over the concatenated raw part digests, then "-<parts>". */
export function compositeChecksum(alg: ChecksumAlgorithm, partDigestsBase64: string[]): string {
  const c = newChecksummer(alg);
  for (const p of partDigestsBase64) c.update(Buffer.from(p, 'base64'));
  return `${c.digest().toString('base64')}-${partDigestsBase64.length}`;
}
