/**
 * Recomputes an S3 multipart ETag from an object's bytes, for `strata verify`.
 *
 * A multipart ETag is md5(md5(part 1) ‖ … ‖ md5(part N)) in hex, then "-N". The part size is not in the
 * manifest, so it is derived: either the endpoint says (HeadObject with PartNumber=1 gives part 1's
 * length, as AWS S3 does), or the candidates are the part sizes uploaders use — whole MiB, at least S3's
 * 5 MiB minimum — that split the object's size into exactly N parts. Every candidate is hashed in the
 * same streaming pass; the ETag checks out only if one candidate reproduces it exactly, so the check is
 * as strict as comparing against one known part size.
 */
import { createHash, type Hash } from 'node:crypto';

const MIB = 1024 * 1024;
/** S3's smallest part (all parts but the last). */
export const MIN_PART_BYTES = 5 * MIB;
/** More candidates than this would make verify slow; the check is then reported as not done. */
export const MAX_CANDIDATES = 64;

/** `{ md5hex, parts }` of a multipart ETag (`<32 hex>-<N>`), or null for any other form. */
export function parseMultipartEtag(etag: string): { parts: number } | null {
  const m = /^[0-9a-f]{32}-([1-9]\d{0,4})$/.exec(etag);
  return m ? { parts: Number(m[1]) } : null;
}

/**
 * Part sizes that cut `size` bytes into exactly `parts` parts: P with (parts-1)·P < size ≤ parts·P.
 * `known` (part 1's length, when the endpoint reports it) is the only candidate if it qualifies.
 */
export function candidatePartSizes(size: number, parts: number, known?: number): number[] {
  if (parts === 1) return [Math.max(size, 1)];
  const fits = (p: number) => p > 0 && (parts - 1) * p < size && size <= parts * p;
  if (known !== undefined && fits(known)) return [known];
  const out: number[] = [];
  for (let mib = Math.max(Math.ceil(size / parts / MIB), MIN_PART_BYTES / MIB); fits(mib * MIB) && out.length <= MAX_CANDIDATES; mib++) out.push(mib * MIB);
  return out;
}

interface Candidate {
  partSize: number;
  hash: Hash;
  filled: number;
  digests: Buffer[];
}

/** Hashes a stream once for every candidate part size. */
export class MultipartEtagHasher {
  private readonly candidates: Candidate[];

  constructor(partSizes: number[]) {
    this.candidates = partSizes.map((partSize) => ({ partSize, hash: createHash('md5'), filled: 0, digests: [] }));
  }

  update(chunk: Buffer): void {
    for (const c of this.candidates) {
      let at = 0;
      while (at < chunk.length) {
        const take = Math.min(c.partSize - c.filled, chunk.length - at);
        c.hash.update(chunk.subarray(at, at + take));
        c.filled += take;
        at += take;
        if (c.filled === c.partSize) {
          c.digests.push(c.hash.digest());
          c.hash = createHash('md5');
          c.filled = 0;
        }
      }
    }
  }

  /** The multipart ETag each candidate part size gives, in candidate order. */
  etags(): string[] {
    return this.candidates.map((c) => {
      const digests = c.filled > 0 || c.digests.length === 0 ? [...c.digests, c.hash.digest()] : c.digests;
      const all = createHash('md5');
      for (const d of digests) all.update(d);
      return `${all.digest('hex')}-${digests.length}`;
    });
  }
}
