/**
 * The storage interface every backend implements. It knows keys as encoded bytes, items as JSON text
 * and table state as JSON text: no DynamoDB rules live here, and no engine types leak out.
 * Every item write is a version (invariant 1): the current item is the newest version of its key.
 */

/** A key of one table: partition hash (for scan order and segments), encoded partition and sort key. */
export interface KeyRef {
  table: number;
  h: number;
  pk: Buffer;
  /** Empty for tables without a sort key. */
  sk: Buffer;
}

export interface StoredItem {
  h: number;
  pk: Buffer;
  sk: Buffer;
  /** Commit timestamp of this version, microseconds since the epoch. */
  ts: number;
  /** The item as wire JSON text; null for a tombstone (only ever seen by version reads). */
  json: string | null;
  size: number;
}

export interface IndexKey {
  index: string;
  ih: number;
  ipk: Buffer;
  isk: Buffer;
}

export interface IndexEntry extends IndexKey {
  json: string;
  size: number;
}

export interface ItemWrite {
  ref: KeyRef;
  /** New image as wire JSON text, or null to delete (a tombstone version). */
  json: string | null;
  size: number;
  indexDeletes: IndexKey[];
  indexPuts: IndexEntry[];
}

export interface MutationOutcome<R> {
  writes: ItemWrite[];
  result: R;
}

export interface StoredTable {
  uid: number;
  account: string;
  region: string;
  name: string;
  state: string;
}

export interface TableStats {
  itemCount: number;
  sizeBytes: number;
}

export interface KeyBound {
  value: Buffer;
  inclusive: boolean;
}

export interface Position {
  h: number;
  pk: Buffer;
  sk: Buffer;
}

export interface RangeRead {
  table: number;
  /** Read the table as of this commit timestamp (inclusive); current state when absent. */
  asOf?: number;
  /** Query mode: one partition, optionally bounded on the sort key. */
  partition?: { h: number; pk: Buffer; low?: KeyBound; high?: KeyBound };
  /** Scan mode: restrict to partition hashes in [lo, hi) (parallel scan segments, export segments). */
  hashRange?: [number, number];
  forward: boolean;
  /** Continue strictly after this key (ExclusiveStartKey). */
  after?: Position;
  /** Stop after this many items. */
  limit?: number;
  /** Stop once the items read add up to at least this many bytes (DynamoDB's 1 MB page). */
  maxBytes?: number;
}

export interface RangeResult {
  items: StoredItem[];
  /** True when the read stopped because of limit or maxBytes rather than the end of the range. */
  truncated: boolean;
}

/** An item image of a range read, without its key. */
export interface ItemImage {
  json: string;
  size: number;
}

export interface ImagePage {
  items: ItemImage[];
  truncated: boolean;
  /** The last item's key, where the next page starts; set when truncated. */
  last?: Position;
}

/** Where an index read stands: an entry's index key and table key. */
export interface IndexPosition {
  ih: number;
  ipk: Buffer;
  isk: Buffer;
  pk: Buffer;
  sk: Buffer;
}

export interface IndexImagePage {
  items: ItemImage[];
  truncated: boolean;
  /** The last entry's keys, where the next page starts; set when truncated. */
  last?: IndexPosition;
}

export interface IndexRead {
  table: number;
  index: string;
  partition?: { ih: number; ipk: Buffer; low?: KeyBound; high?: KeyBound };
  hashRange?: [number, number];
  forward: boolean;
  after?: IndexPosition;
  limit?: number;
  maxBytes?: number;
}

export interface IndexItem {
  ih: number;
  ipk: Buffer;
  isk: Buffer;
  h: number;
  pk: Buffer;
  sk: Buffer;
  json: string;
  size: number;
}

export interface VersionRead {
  table: number;
  /** Versions with from <= ts < to. */
  from: number;
  to: number;
  /** Continue strictly after this (ts, key). */
  after?: { ts: number; h: number; pk: Buffer; sk: Buffer };
  limit: number;
}

/** How much the version log of one table holds (history included), for retention and its tests. */
export interface VersionStats {
  /** Version rows, tombstones included. */
  versions: number;
  /** Bytes of those rows: item text, encoded keys and a fixed 16 per row for hash and timestamp. */
  bytes: number;
}

/** One step of retention compaction (see Store.compactVersions). */
export interface CompactionStep {
  /** Versions examined in this step. */
  examined: number;
  /** Versions deleted in this step. */
  deleted: number;
  /** True when every version older than the cutoff has been examined. */
  done: boolean;
}

export interface Store {
  /** Highest commit timestamp ever written, so a restarted clock never goes backwards. */
  lastCommitTs(): number;

  createTable(account: string, region: string, name: string, state: string): StoredTable | undefined;
  getTable(account: string, region: string, name: string): StoredTable | undefined;
  getTableByUid(uid: number): StoredTable | undefined;
  listTables(account: string, region: string, after: string | undefined, limit: number): string[];
  allTables(): StoredTable[];
  putTableState(uid: number, state: string): void;
  /** Removes the table's metadata at once; its items and versions are purged in the background. */
  deleteTable(uid: number): void;
  tableStats(uid: number): TableStats;
  indexStats(uid: number, index: string): TableStats;

  getItem(ref: KeyRef, asOf?: number): StoredItem | undefined;
  /** The newest version of a key at or before asOf, tombstones included (json null). */
  getVersion(ref: KeyRef, asOf: number): StoredItem | undefined;
  /** Atomic read-modify-write over any keys of any tables: fn sees the current images and returns the
   * writes, which all commit with one timestamp. If fn throws, nothing is written. */
  mutate<R>(refs: KeyRef[], fn: (current: (StoredItem | undefined)[]) => MutationOutcome<R>): { ts: number; result: R };
  readRange(read: RangeRead): RangeResult;
  /** readRange's items without their keys, for reads that return only items (Scan, Query, exports): a key's
   * two Buffers per row cost as much as reading the image (bench/README.md). Only newest images are read. */
  readImages(read: RangeRead): ImagePage;
  readIndex(read: IndexRead): { items: IndexItem[]; truncated: boolean };
  /** readIndex's images without their keys (four Buffers per entry), as readImages is to readRange. */
  readIndexImages(read: IndexRead): IndexImagePage;
  readVersions(read: VersionRead): StoredItem[];
  /** How many versions have from <= ts < to, counting at most `limit`: an index-only count, for planning
   * an incremental export from its changes. */
  countVersions(table: number, from: number, to: number, limit: number): number;
  /** The commit timestamp of the version `offset` places past the first with ts >= from (commit order),
   * or undefined when fewer remain below `to`: where to cut an incremental export into files. Index only. */
  versionTsAt(table: number, from: number, to: number, offset: number): number | undefined;
  /** Replaces an index's entries wholesale (backfill after UpdateTable creates a GSI). */
  putIndexEntries(table: number, entries: Array<IndexEntry & { h: number; pk: Buffer; sk: Buffer }>): void;
  dropIndex(table: number, index: string): void;

  /**
   * Retention: examines up to `limit` versions of the table with ts < cutoff that earlier steps have not
   * examined (in commit order, resuming after a persisted cursor). Each examined version deletes the
   * older versions of its key, and itself when it is a tombstone: what remains, per key, is the newest
   * version at or before the cutoff (none when that is a tombstone) plus everything newer. Reads as of
   * any T >= cutoff, current reads included, are unchanged. One short transaction per call.
   */
  compactVersions(table: number, cutoff: number, limit: number): CompactionStep;
  versionStats(table: number): VersionStats;
  /** Bytes in use by the whole database (pages minus free pages). */
  databaseBytes(): number;
  /** Keeps a deleted table's versions from being purged while held (a restore still reading them). */
  holdPurge(table: number, hold: boolean): void;
  /** Small persistent settings (the clock's time-travel offset). */
  getMeta(key: string): string | undefined;
  putMeta(key: string, value: string): void;

  close(): void;
}
