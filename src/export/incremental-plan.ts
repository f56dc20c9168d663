import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { SegmentState } from './export-state.js';
import { MAX_SEGMENTS, MIN_SEGMENTS } from './segments.js';

/** The two index-only reads of the versions-by-timestamp index that planning needs (Store.countVersions, Store.versionTsAt). */
export interface VersionIndex {
  count(from: number, to: number, limit: number): number;
  tsAt(from: number, to: number, offset: number): number | undefined;
}

/** Versions one synchronous index step walks: a few milliseconds, so planning never stalls writes. */
const HOP = 16_384;

/**
 * Cuts an incremental export's window [from, to) into data files by commit time: each file is a
 * sub-window [lo, hi), and a changed key's record goes to the file holding its last write in the window.
 * The number of files follows the changes, not the table: the versions in the window are counted first
 * (walking only the timestamp index, so the cost is proportional to the change), then split into
 * files of about `bytesPerFile` at `bytesPerVersion` each, with AWS's minimum of four. Versions sharing one
 * timestamp (one transaction) always stay in one file, as the cuts fall between timestamps.
 */
export async function planIncrementalFiles(idx: VersionIndex, from: number, to: number, bytesPerVersion: number, bytesPerFile: number, hop = HOP): Promise<SegmentState[]> {
  const total = await countWindow(idx, from, to, hop);
  const n = Math.min(MAX_SEGMENTS, Math.max(MIN_SEGMENTS, Math.ceil((total * bytesPerVersion) / bytesPerFile)));
  const perFile = Math.ceil(total / n);
  const cuts = [from];
  for (let i = 1; i < n; i++) {
    const prev = cuts[i - 1]!;
    const at = prev >= to || perFile === 0 ? undefined : await advance(idx, prev, to, perFile, hop);
    // A cut on the previous one's timestamp (a group larger than a file) moves one microsecond on; no versions left: empty files.
    cuts.push(at === undefined ? to : Math.min(to, Math.max(at, prev + 1)));
  }
  cuts.push(to);
  return cuts.slice(0, n).map((lo, i) => ({ lo, hi: cuts[i + 1]! }));
}

/** Exact number of versions in [from, to), a hop at a time. */
async function countWindow(idx: VersionIndex, from: number, to: number, hop: number): Promise<number> {
  let total = 0;
  let cursor = from;
  for (;;) {
    const next = idx.tsAt(cursor, to, hop);
    if (next === undefined) return total + idx.count(cursor, to, hop);
    // [cursor, end) holds at most `hop` versions plus the rest of one timestamp's group.
    const end = next > cursor ? next : cursor + 1;
    total += idx.count(cursor, end, Number.MAX_SAFE_INTEGER);
    cursor = end;
    await yieldToEventLoop();
  }
}

/** The timestamp about k versions past `from` (k split into hops; a hop restarting on a shared timestamp may count a group twice). */
async function advance(idx: VersionIndex, from: number, to: number, k: number, hop: number): Promise<number | undefined> {
  let cursor = from;
  while (k > hop) {
    const t = idx.tsAt(cursor, to, hop);
    if (t === undefined) return undefined;
    cursor = Math.max(t, cursor + 1);
    k -= hop;
    await yieldToEventLoop();
  }
  return idx.tsAt(cursor, to, k);
}
