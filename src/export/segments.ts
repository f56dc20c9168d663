import type { SegmentState } from './export-state.js';

const HASH_SPACE = 2 ** 32;
/** AWS writes at least four data files even for tiny tables (one per partition it scans), and for empty incremental exports. */
export const MIN_SEGMENTS = 4;
export const MAX_SEGMENTS = 4096;

/** Splits the partition-hash space into contiguous ranges, one data file each (full exports). */
export function planSegments(tableBytes: number, bytesPerSegment: number): SegmentState[] {
  const n = Math.min(MAX_SEGMENTS, Math.max(MIN_SEGMENTS, Math.ceil(tableBytes / bytesPerSegment)));
  return Array.from({ length: n }, (_, i) => ({ lo: Math.floor((i * HASH_SPACE) / n), hi: Math.floor(((i + 1) * HASH_SPACE) / n) }));
}
