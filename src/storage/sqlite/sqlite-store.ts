import Database from 'better-sqlite3';
import type {
  CompactionStep, ImagePage, IndexEntry, IndexImagePage, IndexItem, IndexPosition, IndexRead, ItemImage, KeyBound, KeyRef, MutationOutcome, Position, RangeRead, RangeResult, Store, StoredItem,
  StoredTable, TableStats, VersionRead, VersionStats,
} from '../store.js';
import { SCHEMA, STORAGE_LAYOUT } from './schema.js';

type Row = { h: number; pk: Buffer; sk: Buffer; ts: number; item: string | null; size: number };
/**
 * A version row as an array, in VERSION_COLUMNS' order: what a raw statement returns. Range reads use it so that
 * no named-property object is built per row (perf of a Scan showed V8 looking the names up and growing the
 * object's shape per row); the saving is below this machine's noise (bench/README.md).
 */
type RowTuple = [h: number, pk: Buffer, sk: Buffer, ts: number, item: string | null, size: number];
/** A row of readImages (readIndexImages): hash, the key as hex(pk) '.' hex(sk) (hex(ipk) '.' hex(isk) '.' hex(pk) '.' hex(sk)), image, size. */
type ImageRow = [h: number, key: string, item: string, size: number];
type IndexRow = { ih: number; ipk: Buffer; isk: Buffer; h: number; pk: Buffer; sk: Buffer; item: string; size: number };
type Statement = Database.Statement<unknown[], unknown>;

const PURGE_CHUNK = 5000;
/** A version row with its image (NULL for a tombstone). */
const VERSION_COLUMNS = 'h, pk, sk, ts, (SELECT item FROM images WHERE id = image) AS item, size';

/**
 * The embedded backend: one SQLite file per data directory (WAL, synchronous=FULL, so a write is on
 * disk before it is acknowledged). All versions of a table live in one ordered log keyed
 * (table, partition hash, pk, sk, commit_ts); "current" and "as of T" are the same ordered pass.
 * The log's rows point at item images kept in append order (`images`), so a write batch rewrites a few
 * small pages instead of a 16 KB page of whole items per key (bench/README.md, "Where the CPU goes").
 */
export class SqliteStore implements Store {
  /** Shared with the other SQLite-backed stores of this data directory (jobs), so one file holds everything. */
  readonly db: Database.Database;
  private readonly clock: () => number;
  private readonly statements = new Map<string, Statement>();
  private purgeTimer: NodeJS.Timeout | undefined;
  private readonly purgeHolds = new Map<number, number>();

  constructor(path: string, clock: () => number) {
    this.db = new Database(path);
    this.clock = clock;
    // One server per data directory. The lock is taken at the first read and held until close, so a second
    // process is refused here. Set before the first WAL access, it also keeps the WAL index in this
    // process's memory: a transaction then makes no fcntl lock calls (a GetItem made two, half its syscalls).
    this.db.pragma('locking_mode = EXCLUSIVE');
    refuseOtherLayout(this.db, path);
    // 4 KB pages (new files only; before WAL fixes the format): every page a write touches goes whole into
    // the WAL and again into the file at checkpoint. Images sit in a rowid table, which keeps rows of up to
    // ~4 KB on their page; the version log's rows are small. bench/README.md.
    this.db.pragma('page_size = 4096');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('cache_size = -65536');
    // INSERT OR REPLACE into index_entries must fire its delete trigger, which drops the replaced image.
    this.db.pragma('recursive_triggers = ON');
    this.db.exec(SCHEMA);
    this.db.prepare('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)').run('storage_layout', STORAGE_LAYOUT);
    this.schedulePurge();
  }

  private readonly rawStatements = new Map<string, Statement>();

  /** A cached prepared statement; `raw` ones return rows as arrays (columns in SELECT order). */
  private stmt(sql: string, raw = false): Statement {
    const cache = raw ? this.rawStatements : this.statements;
    let s = cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (raw) s.raw(true);
      cache.set(sql, s);
    }
    return s;
  }

  lastCommitTs(): number {
    let max = 0;
    const uids = this.stmt('SELECT DISTINCT t FROM versions').pluck().all() as number[];
    for (const t of uids) {
      const ts = this.stmt('SELECT max(ts) FROM versions WHERE t = ?').pluck().get(t) as number | null;
      if (ts !== null && ts > max) max = ts;
    }
    return max;
  }

  createTable(account: string, region: string, name: string, state: string): StoredTable | undefined {
    const res = this.stmt('INSERT OR IGNORE INTO tables(account, region, name, state) VALUES (?, ?, ?, ?)').run(account, region, name, state);
    if (res.changes === 0) return undefined;
    const uid = Number(res.lastInsertRowid);
    this.stmt('INSERT INTO table_stats(uid, item_count, size_bytes) VALUES (?, 0, 0)').run(uid);
    return { uid, account, region, name, state };
  }

  getTable(account: string, region: string, name: string): StoredTable | undefined {
    return this.stmt('SELECT uid, account, region, name, state FROM tables WHERE account = ? AND region = ? AND name = ?').get(account, region, name) as StoredTable | undefined;
  }

  getTableByUid(uid: number): StoredTable | undefined {
    return this.stmt('SELECT uid, account, region, name, state FROM tables WHERE uid = ?').get(uid) as StoredTable | undefined;
  }

  listTables(account: string, region: string, after: string | undefined, limit: number): string[] {
    return this.stmt('SELECT name FROM tables WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?').pluck().all(account, region, after ?? '', limit) as string[];
  }

  allTables(): StoredTable[] {
    return this.stmt('SELECT uid, account, region, name, state FROM tables ORDER BY uid').all() as StoredTable[];
  }

  putTableState(uid: number, state: string): void {
    this.stmt('UPDATE tables SET state = ? WHERE uid = ?').run(state, uid);
  }

  deleteTable(uid: number): void {
    this.db.transaction(() => {
      this.stmt('DELETE FROM tables WHERE uid = ?').run(uid);
      this.stmt('DELETE FROM table_stats WHERE uid = ?').run(uid);
      this.stmt('INSERT OR IGNORE INTO purge_queue(uid) VALUES (?)').run(uid);
    })();
    this.schedulePurge();
  }

  tableStats(uid: number): TableStats {
    const row = this.stmt('SELECT item_count AS itemCount, size_bytes AS sizeBytes FROM table_stats WHERE uid = ?').get(uid) as TableStats | undefined;
    return row ?? { itemCount: 0, sizeBytes: 0 };
  }

  indexStats(uid: number, index: string): TableStats {
    return this.stmt('SELECT count(*) AS itemCount, coalesce(sum(size), 0) AS sizeBytes FROM index_entries WHERE t = ? AND idx = ?').get(uid, index) as TableStats;
  }

  /** The newest version of a key, as [image, size, ts] (raw: no row object, no copies of pk and sk). */
  private newestImage: Database.Statement<unknown[], [string | null, number, number]> | undefined;

  getItem(ref: KeyRef, asOf?: number): StoredItem | undefined {
    if (asOf === undefined) {
      this.newestImage ??= this.db
        .prepare<unknown[], [string | null, number, number]>('SELECT (SELECT item FROM images WHERE id = image), size, ts FROM versions WHERE t = ? AND h = ? AND pk = ? AND sk = ? ORDER BY ts DESC LIMIT 1')
        .raw(true);
      const r = this.newestImage.get(ref.table, ref.h, ref.pk, ref.sk);
      if (r === undefined || r[0] === null) return undefined;
      // The WHERE clause fixed h, pk and sk: the caller's are the row's.
      return { h: ref.h, pk: ref.pk, sk: ref.sk, ts: r[2], json: r[0], size: r[1] };
    }
    const row = (asOf === undefined
      ? this.stmt(`SELECT ${VERSION_COLUMNS} FROM versions WHERE t = ? AND h = ? AND pk = ? AND sk = ? ORDER BY ts DESC LIMIT 1`).get(ref.table, ref.h, ref.pk, ref.sk)
      : this.stmt(`SELECT ${VERSION_COLUMNS} FROM versions WHERE t = ? AND h = ? AND pk = ? AND sk = ? AND ts <= ? ORDER BY ts DESC LIMIT 1`).get(ref.table, ref.h, ref.pk, ref.sk, asOf)) as Row | undefined;
    if (!row || row.item === null) return undefined;
    return toStored(row);
  }

  getVersion(ref: KeyRef, asOf: number): StoredItem | undefined {
    const row = this.stmt(`SELECT ${VERSION_COLUMNS} FROM versions WHERE t = ? AND h = ? AND pk = ? AND sk = ? AND ts <= ? ORDER BY ts DESC LIMIT 1`)
      .get(ref.table, ref.h, ref.pk, ref.sk, asOf) as Row | undefined;
    return row ? toStored(row) : undefined;
  }

  mutate<R>(refs: KeyRef[], fn: (current: (StoredItem | undefined)[]) => MutationOutcome<R>): { ts: number; result: R } {
    return this.db.transaction(() => {
      // The newest version of each key, tombstones included: whether the key has any history at all.
      const newest = refs.map((r) => this.newestVersion(r));
      const current = newest.map((row) => (row && row.item !== null ? toStored(row) : undefined));
      const outcome = fn(current);
      if (outcome.writes.length === 0) return { ts: 0, result: outcome.result };
      const ts = this.clock();
      const insertImage = this.stmt('INSERT INTO images(item) VALUES (?)');
      const insert = this.stmt('INSERT INTO versions(t, h, pk, sk, ts, image, size, fresh) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      const delIndex = this.stmt('DELETE FROM index_entries WHERE t = ? AND idx = ? AND ih = ? AND ipk = ? AND isk = ? AND pk = ? AND sk = ?');
      const putIndex = this.stmt('INSERT OR REPLACE INTO index_entries(t, idx, ih, ipk, isk, h, pk, sk, image, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const stats = this.stmt('UPDATE table_stats SET item_count = item_count + ?, size_bytes = size_bytes + ? WHERE uid = ?');
      // The image a write replaces is the one read above unless this transaction already wrote that key:
      // no second lookup per write. Stats deltas are summed per table: one UPDATE per table, not per write.
      const read = new Map<string, { current: StoredItem | undefined; fresh: boolean }>();
      refs.forEach((r, i) => read.set(refId(r), { current: current[i], fresh: newest[i] === undefined }));
      const deltas = new Map<number, { count: number; size: number }>();
      for (const w of outcome.writes) {
        const r = w.ref;
        const id = refId(r);
        const known = read.get(id);
        const row = known ? undefined : this.newestVersion(r);
        const before = known ? known.current : row && row.item !== null ? toStored(row) : undefined;
        const fresh = known ? known.fresh : row === undefined;
        read.delete(id);
        const image = w.json === null ? null : insertImage.run(w.json).lastInsertRowid;
        insert.run(r.table, r.h, r.pk, r.sk, ts, image, w.json === null ? 0 : w.size, fresh ? 1 : 0);
        for (const d of w.indexDeletes) delIndex.run(r.table, d.index, d.ih, d.ipk, d.isk, r.pk, r.sk);
        for (const p of w.indexPuts) putIndex.run(r.table, p.index, p.ih, p.ipk, p.isk, r.h, r.pk, r.sk, insertImage.run(p.json).lastInsertRowid, p.size);
        const delta = deltas.get(r.table) ?? { count: 0, size: 0 };
        delta.count += (w.json === null ? 0 : 1) - (before ? 1 : 0);
        delta.size += (w.json === null ? 0 : w.size) - (before ? before.size : 0);
        deltas.set(r.table, delta);
      }
      for (const [table, d] of deltas) if (d.count !== 0 || d.size !== 0) stats.run(d.count, d.size, table);
      return { ts, result: outcome.result };
    }).immediate();
  }

  private newestVersion(ref: KeyRef): Row | undefined {
    return this.stmt(`SELECT ${VERSION_COLUMNS} FROM versions WHERE t = ? AND h = ? AND pk = ? AND sk = ? ORDER BY ts DESC LIMIT 1`)
      .get(ref.table, ref.h, ref.pk, ref.sk) as Row | undefined;
  }

  readRange(read: RangeRead): RangeResult {
    const { where, args } = rangeWhere(read);
    const dir = read.forward ? 'ASC' : 'DESC';
    const sql = `SELECT ${VERSION_COLUMNS} FROM versions WHERE ${where} ORDER BY h ${dir}, pk ${dir}, sk ${dir}, ts ${dir}`;
    return collectNewest(this.stmt(sql, true).iterate(...args) as IterableIterator<RowTuple>, read.forward, read.limit, read.maxBytes);
  }

  readImages(read: RangeRead): ImagePage {
    const { where, args } = rangeWhere(read);
    const dir = read.forward ? 'ASC' : 'DESC';
    // The newest version per key is picked here (max() makes the bare columns those of its row, and the
    // grouping streams in key order), so old and deleted images are never fetched. The key travels as one
    // hex string: a string per row costs a fraction of better-sqlite3's two Buffers.
    const sql = `SELECT h, hex(pk) || '.' || hex(sk), (SELECT item FROM images WHERE id = g.image), size FROM ` +
      `(SELECT h, pk, sk, max(ts), image, size FROM versions WHERE ${where} GROUP BY h, pk, sk ORDER BY h ${dir}, pk ${dir}, sk ${dir}) AS g ` +
      'WHERE image IS NOT NULL';
    return collectImages(this.stmt(sql, true).iterate(...args) as IterableIterator<ImageRow>, read, positionFromHex);
  }

  readIndex(read: IndexRead): { items: IndexItem[]; truncated: boolean } {
    const { where, args } = indexWhere(read);
    const dir = read.forward ? 'ASC' : 'DESC';
    const sql = `SELECT ih, ipk, isk, h, pk, sk, (SELECT item FROM images WHERE id = image) AS item, size FROM index_entries WHERE ${where} ORDER BY ih ${dir}, ipk ${dir}, isk ${dir}, pk ${dir}, sk ${dir}`;
    const items: IndexItem[] = [];
    let bytes = 0;
    for (const row of this.stmt(sql).iterate(...args) as IterableIterator<IndexRow>) {
      items.push({ ih: row.ih, ipk: row.ipk, isk: row.isk, h: row.h, pk: row.pk, sk: row.sk, json: row.item, size: row.size });
      bytes += row.size;
      if ((read.limit !== undefined && items.length >= read.limit) || (read.maxBytes !== undefined && bytes >= read.maxBytes)) {
        return { items, truncated: true };
      }
    }
    return { items, truncated: false };
  }

  readIndexImages(read: IndexRead): IndexImagePage {
    const { where, args } = indexWhere(read);
    const dir = read.forward ? 'ASC' : 'DESC';
    const sql = `SELECT ih, hex(ipk) || '.' || hex(isk) || '.' || hex(pk) || '.' || hex(sk), (SELECT item FROM images WHERE id = image), size ` +
      `FROM index_entries WHERE ${where} ORDER BY ih ${dir}, ipk ${dir}, isk ${dir}, pk ${dir}, sk ${dir}`;
    return collectImages(this.stmt(sql, true).iterate(...args) as IterableIterator<ImageRow>, read, indexPositionFromHex);
  }

  readVersions(read: VersionRead): StoredItem[] {
    const args: unknown[] = [read.table, read.from, read.to];
    let cond = '';
    if (read.after) {
      cond = ' AND (ts, h, pk, sk) > (?, ?, ?, ?)';
      args.push(read.after.ts, read.after.h, read.after.pk, read.after.sk);
    }
    args.push(read.limit);
    const rows = this.stmt(`SELECT ${VERSION_COLUMNS} FROM versions WHERE t = ? AND ts >= ? AND ts < ?${cond} ORDER BY ts, h, pk, sk LIMIT ?`).all(...args) as Row[];
    return rows.map(toStored);
  }

  countVersions(table: number, from: number, to: number, limit: number): number {
    // The inner LIMIT stops the scan of versions_by_ts; only ts is read, so the table rows are never touched.
    return this.stmt('SELECT count(*) FROM (SELECT 1 FROM versions WHERE t = ? AND ts >= ? AND ts < ? LIMIT ?)').pluck().get(table, from, to, limit) as number;
  }

  versionTsAt(table: number, from: number, to: number, offset: number): number | undefined {
    const ts = this.stmt('SELECT ts FROM versions WHERE t = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?').pluck().get(table, from, to, offset) as number | undefined;
    return ts ?? undefined;
  }

  putIndexEntries(table: number, entries: Array<IndexEntry & { h: number; pk: Buffer; sk: Buffer }>): void {
    const image = this.stmt('INSERT INTO images(item) VALUES (?)');
    const put = this.stmt('INSERT OR REPLACE INTO index_entries(t, idx, ih, ipk, isk, h, pk, sk, image, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const e of entries) put.run(table, e.index, e.ih, e.ipk, e.isk, e.h, e.pk, e.sk, image.run(e.json).lastInsertRowid, e.size);
    })();
  }

  dropIndex(table: number, index: string): void {
    this.stmt('DELETE FROM index_entries WHERE t = ? AND idx = ?').run(table, index);
  }

  compactVersions(table: number, cutoff: number, limit: number): CompactionStep {
    return this.db.transaction((): CompactionStep => {
      const cur = this.stmt('SELECT ts, h, pk, sk FROM compaction_cursor WHERE uid = ?').get(table) as
        { ts: number; h: number; pk: Buffer; sk: Buffer } | undefined;
      const rows = (cur
        ? this.stmt('SELECT h, pk, sk, ts, image IS NULL AS tomb, fresh FROM versions WHERE t = ? AND ts < ? AND (ts, h, pk, sk) > (?, ?, ?, ?) ORDER BY ts, h, pk, sk LIMIT ?')
          .all(table, cutoff, cur.ts, cur.h, cur.pk, cur.sk, limit)
        : this.stmt('SELECT h, pk, sk, ts, image IS NULL AS tomb, fresh FROM versions WHERE t = ? AND ts < ? ORDER BY ts, h, pk, sk LIMIT ?')
          .all(table, cutoff, limit)) as Array<{ h: number; pk: Buffer; sk: Buffer; ts: number; tomb: number; fresh: number }>;
      const older = this.stmt('DELETE FROM versions WHERE t = ? AND h = ? AND pk = ? AND sk = ? AND ts < ?');
      const self = this.stmt('DELETE FROM versions WHERE t = ? AND h = ? AND pk = ? AND sk = ? AND ts = ?');
      let deleted = 0;
      for (const r of rows) {
        // A key's first version has nothing older: no seek (most versions of a table loaded once).
        if (!r.fresh) deleted += older.run(table, r.h, r.pk, r.sk, r.ts).changes;
        // With everything older gone, a tombstone at the bottom of its key's history reads as "absent"
        // exactly as no row at all does.
        if (r.tomb) deleted += self.run(table, r.h, r.pk, r.sk, r.ts).changes;
      }
      const last = rows[rows.length - 1];
      if (last) {
        this.stmt('INSERT OR REPLACE INTO compaction_cursor(uid, ts, h, pk, sk) VALUES (?, ?, ?, ?, ?)').run(table, last.ts, last.h, last.pk, last.sk);
      }
      return { examined: rows.length, deleted, done: rows.length < limit };
    }).immediate();
  }

  versionStats(table: number): VersionStats {
    return this.stmt('SELECT count(*) AS versions, coalesce(sum(coalesce((SELECT length(CAST(item AS BLOB)) FROM images WHERE id = image), 0) + length(pk) + length(sk) + 16), 0) AS bytes FROM versions WHERE t = ?')
      .get(table) as VersionStats;
  }

  databaseBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  holdPurge(table: number, hold: boolean): void {
    const n = (this.purgeHolds.get(table) ?? 0) + (hold ? 1 : -1);
    if (n > 0) this.purgeHolds.set(table, n);
    else this.purgeHolds.delete(table);
    if (!hold) this.schedulePurge();
  }

  getMeta(key: string): string | undefined {
    return this.stmt('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
  }

  putMeta(key: string, value: string): void {
    this.stmt('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(key, value);
  }

  close(): void {
    if (this.purgeTimer) clearTimeout(this.purgeTimer);
    this.db.close();
  }

  /** Deleted tables' versions go in small chunks so a large DeleteTable never stalls other requests. */
  private schedulePurge(): void {
    if (this.purgeTimer || this.nextPurge() === undefined) return;
    this.purgeTimer = setTimeout(() => {
      this.purgeTimer = undefined;
      // Chosen when the timer fires, so a hold taken after scheduling (a restore resumed at start-up) is seen.
      const pending = this.nextPurge();
      if (pending === undefined) return;
      this.purgeStep(pending);
      this.schedulePurge();
    }, 10);
    this.purgeTimer.unref();
  }

  private nextPurge(): number | undefined {
    const uids = this.stmt('SELECT uid FROM purge_queue ORDER BY uid').pluck().all() as number[];
    return uids.find((u) => !this.purgeHolds.has(u));
  }

  private purgeStep(uid: number): void {
    const n = this.stmt('DELETE FROM versions WHERE (t, h, pk, sk, ts) IN (SELECT t, h, pk, sk, ts FROM versions WHERE t = ? LIMIT ?)').run(uid, PURGE_CHUNK).changes;
    const m = this.stmt('DELETE FROM index_entries WHERE (t, idx, ih, ipk, isk, pk, sk) IN (SELECT t, idx, ih, ipk, isk, pk, sk FROM index_entries WHERE t = ? LIMIT ?)').run(uid, PURGE_CHUNK).changes;
    if (n === 0 && m === 0) {
      this.stmt('DELETE FROM purge_queue WHERE uid = ?').run(uid);
      this.stmt('DELETE FROM compaction_cursor WHERE uid = ?').run(uid);
    }
  }
}

/**
 * Bounds a scan to a hash segment. When a row-value bound from `after` follows, the segment's bound on the
 * same side is left out: SQLite would seek with it instead of the row value and re-read the segment from
 * its start on every page (a parallel Scan grew quadratic: 18 ms instead of 2 µs per page at 300,000 rows).
 * `afterForward` is the direction of that bound, undefined when there is none.
 */
function pushHashRange(where: string[], args: unknown[], column: string, range: readonly [number, number] | undefined, afterForward: boolean | undefined): void {
  if (!range) return;
  if (afterForward !== true) { where.push(`${column} >= ?`); args.push(range[0]); }
  if (afterForward !== false) { where.push(`${column} < ?`); args.push(range[1]); }
}

/** The WHERE clause of a range read over the version log (without the ORDER BY, which depends on the query). */
function rangeWhere(read: RangeRead): { where: string; args: unknown[] } {
  const where: string[] = ['t = ?'];
  const args: unknown[] = [read.table];
  if (read.asOf !== undefined) {
    where.push('ts <= ?');
    args.push(read.asOf);
  }
  if (read.partition) {
    const p = read.partition;
    where.push('h = ?', 'pk = ?');
    args.push(p.h, p.pk);
    pushSortBounds(where, args, 'sk', p.low, p.high);
    if (read.after) { where.push(read.forward ? 'sk > ?' : 'sk < ?'); args.push(read.after.sk); }
  } else {
    pushHashRange(where, args, 'h', read.hashRange, read.after ? read.forward : undefined);
    if (read.after) {
      where.push(read.forward ? '(h, pk, sk) > (?, ?, ?)' : '(h, pk, sk) < (?, ?, ?)');
      args.push(read.after.h, read.after.pk, read.after.sk);
    }
  }
  return { where: where.join(' AND '), args };
}

/** A Query's sort-key condition on one partition: the column's lower and upper bounds. */
function pushSortBounds(where: string[], args: unknown[], column: 'sk' | 'isk', low: KeyBound | undefined, high: KeyBound | undefined): void {
  if (low) { where.push(`${column} ${low.inclusive ? '>=' : '>'} ?`); args.push(low.value); }
  if (high) { where.push(`${column} ${high.inclusive ? '<=' : '<'} ?`); args.push(high.value); }
}

/** The WHERE clause of a read over one secondary index's entries. */
function indexWhere(read: IndexRead): { where: string; args: unknown[] } {
  const where: string[] = ['t = ?', 'idx = ?'];
  const args: unknown[] = [read.table, read.index];
  if (read.partition) {
    const p = read.partition;
    where.push('ih = ?', 'ipk = ?');
    args.push(p.ih, p.ipk);
    pushSortBounds(where, args, 'isk', p.low, p.high);
    if (read.after) {
      where.push(read.forward ? '(isk, pk, sk) > (?, ?, ?)' : '(isk, pk, sk) < (?, ?, ?)');
      args.push(read.after.isk, read.after.pk, read.after.sk);
    }
  } else {
    pushHashRange(where, args, 'ih', read.hashRange, read.after ? read.forward : undefined);
    if (read.after) {
      const a = read.after;
      where.push(read.forward ? '(ih, ipk, isk, pk, sk) > (?, ?, ?, ?, ?)' : '(ih, ipk, isk, pk, sk) < (?, ?, ?, ?, ?)');
      args.push(a.ih, a.ipk, a.isk, a.pk, a.sk);
    }
  }
  return { where: where.join(' AND '), args };
}

/** Images up to the read's limit or byte budget; the key of the last one only when the page is truncated. */
function collectImages<P>(rows: IterableIterator<ImageRow>, read: { limit?: number; maxBytes?: number }, position: (h: number, key: string) => P): { items: ItemImage[]; truncated: boolean; last?: P } {
  const items: ItemImage[] = [];
  let bytes = 0;
  for (const row of rows) {
    items.push({ json: row[2], size: row[3] });
    bytes += row[3];
    if ((read.limit !== undefined && items.length >= read.limit) || (read.maxBytes !== undefined && bytes >= read.maxBytes)) {
      rows.return?.();
      return { items, truncated: true, last: position(row[0], row[1]) };
    }
  }
  return { items, truncated: false };
}

function positionFromHex(h: number, key: string): Position {
  const dot = key.indexOf('.');
  return { h, pk: Buffer.from(key.slice(0, dot), 'hex'), sk: Buffer.from(key.slice(dot + 1), 'hex') };
}

function indexPositionFromHex(ih: number, keys: string): IndexPosition {
  const [ipk, isk, pk, sk] = keys.split('.').map((hex) => Buffer.from(hex, 'hex')) as [Buffer, Buffer, Buffer, Buffer];
  return { ih, ipk, isk, pk, sk };
}

/**
 * A file written with another storage layout (before `images`, the log held the items itself) would be
 * misread, not migrated: refuse it with the reason. There has been no release, so there is no migration.
 */
function refuseOtherLayout(db: Database.Database, path: string): void {
  let hasLog: number;
  try {
    hasLog = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'versions'").pluck().get() as number;
  } catch (e) {
    if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
    db.close();
    throw new Error(`${path} is in use: another Strata server has this data directory open (one server per data directory)`);
  }
  if (!hasLog) return;
  const hasMeta = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'").pluck().get() as number;
  const layout = hasMeta ? db.prepare("SELECT value FROM meta WHERE key = 'storage_layout'").pluck().get() as string | undefined : undefined;
  if (layout === STORAGE_LAYOUT) return;
  db.close();
  throw new Error(`${path} was written with storage layout ${layout ?? '1'}; this build reads layout ${STORAGE_LAYOUT} only and does not migrate ` +
    '(no release has shipped). Start it with an empty data directory, or use the build that wrote this one.');
}

function refId(r: KeyRef): string {
  return `${r.table}:${r.h}:${r.pk.toString('hex')}:${r.sk.toString('hex')}`;
}

function toStored(row: Row): StoredItem {
  return { h: row.h, pk: row.pk, sk: row.sk, ts: row.ts, json: row.item, size: row.size };
}

function sameKey(a: RowTuple, b: RowTuple): boolean {
  return a[0] === b[0] && a[1].equals(b[1]) && a[2].equals(b[2]);
}

/** Picks the newest version of each key from rows ordered by key then ts (ascending when forward,
 * so the newest is the last of its run; descending otherwise, so it is the first). Tombstones hide the key. */
function collectNewest(rows: IterableIterator<RowTuple>, forward: boolean, limit?: number, maxBytes?: number): RangeResult {
  const items: StoredItem[] = [];
  let bytes = 0;
  let pending: RowTuple | undefined;
  const full = (): boolean => (limit !== undefined && items.length >= limit) || (maxBytes !== undefined && bytes >= maxBytes);
  const emit = (row: RowTuple): void => {
    if (row[4] === null) return;
    items.push({ h: row[0], pk: row[1], sk: row[2], ts: row[3], json: row[4], size: row[5] });
    bytes += row[5];
  };
  for (const row of rows) {
    if (forward) {
      if (pending && !sameKey(pending, row)) {
        emit(pending);
        if (full()) { rows.return?.(); return { items, truncated: true }; }
      }
      pending = row;
    } else {
      if (pending && sameKey(pending, row)) continue;
      pending = row;
      emit(row);
      if (full()) { rows.return?.(); return { items, truncated: true }; }
    }
  }
  if (forward && pending) {
    emit(pending);
    if (full()) return { items, truncated: true };
  }
  return { items, truncated: false };
}
