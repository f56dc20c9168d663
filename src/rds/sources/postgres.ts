/**
 * PostgreSQL sources (a real server through `pg`, or the embedded PGlite). A snapshot is one REPEATABLE READ
 * READ ONLY transaction that locks its tables ACCESS SHARE before taking the snapshot (so TRUNCATE and rewriting
 * ALTERs wait for it: PgDatabaseSession.open); its snapshot is exported with pg_export_snapshot() and imported by
 * up to `maxReaders - 1` more connections (SET TRANSACTION SNAPSHOT), which read ctid ranges of the tables (leaf
 * by leaf for a partitioned one, `FROM ONLY`) in parallel, all seeing exactly the same data.
 *
 * A real server streams each range as `COPY (SELECT ...) TO STDOUT (FORMAT binary)`, decoded straight into
 * Arrow column buffers (pg-copy.ts): numbers, booleans and bytea in their binary form, everything exported as a
 * string as `::text` (with TimeZone UTC and ISO DateStyle fixed for the session), i.e. PostgreSQL's own text
 * rendering of dates and times, json/jsonb, arrays, uuid, enums, ranges, .... Backpressure pauses the socket.
 * PGlite has no streaming COPY: it reads the same `::text` values through a server-side cursor
 * (DECLARE ... FETCH n, the fetch size adapting so a chunk stays near CHUNK_BYTES), parsed here.
 */
import pg from 'pg';
import { rowsToBatch, type Canonical, type ColumnBatch } from '../arrow-batch.js';
import type { ColumnKind, ColumnSpec, Engine, SkippedTable, TableSpec } from '../types.js';
import { unsupportedColumnName } from '../types.js';
import { copyCast, PgCopyDecoder } from './pg-copy.js';
import { CHUNK_BYTES, CHUNK_ROWS, redact, type PartitionPlan, type ReadSession, type SourceDriver, type TableListing } from './source.js';

/** The little of a connection this module needs: rows as arrays of text, and (real servers) COPY TO STDOUT. */
export interface PgConn {
  query(sql: string): Promise<(string | null)[][]>;
  /**
   * Runs `COPY ... TO STDOUT`, handing the bytes of each CopyData message to `onData`, which must consume them
   * before returning (the buffer is reused).
   */
  copyOut?(sql: string, onData: (chunk: Buffer) => void): CopyOut;
  close(): Promise<void>;
}

export interface CopyOut {
  /** Settles when the server has finished (or failed) the COPY. */
  done: Promise<void>;
  /** Stop / go on reading the socket (backpressure). */
  pause(): void;
  resume(): void;
}

interface PgWireConnection {
  query(text: string): void;
  stream: { pause(): void; resume(): void };
}

/** A `COPY ... TO STDOUT` submitted to node-postgres as a custom query (its Submittable interface). */
class CopyOutQuery implements CopyOut {
  readonly done: Promise<void>;
  private settle!: (e?: unknown) => void;
  private failure: unknown;
  private connection: PgWireConnection | undefined;

  constructor(private readonly text: string, private readonly onData: (chunk: Buffer) => void) {
    let settled = false;
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (e?: unknown) => {
        if (settled) return;
        settled = true;
        if (e === undefined) resolve();
        else reject(e);
      };
    });
    this.done.catch(() => undefined);
  }

  submit(connection: PgWireConnection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    if (this.failure !== undefined) return;
    try {
      this.onData(msg.chunk);
    } catch (e) {
      this.failure = e;
      this.settle(e);
    }
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.settle(this.failure);
  }

  handleError(err: unknown): void {
    this.failure ??= err;
    this.settle(err);
  }

  handleRowDescription(): void {
    this.handleError(new Error('COPY TO STDOUT expected, rows received'));
  }

  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  handleCopyInResponse(): void {
    this.handleError(new Error('COPY TO STDOUT expected, COPY FROM STDIN started'));
  }

  pause(): void {
    this.connection?.stream.pause();
  }

  resume(): void {
    this.connection?.stream.resume();
  }
}

const SESSION_SETUP = "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1";
const RAW_TYPES = { getTypeParser: () => (v: string) => v };

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The schemas a snapshot covers: everything but the catalogs, TOAST and other sessions' temporary schemas. */
const USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

/** The tables a snapshot copies (partitions and inheritance children included): oid and quoted name. */
const LOCKABLE = `
  SELECT c.oid::text, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND ${USER_SCHEMAS} AND has_table_privilege(c.oid, 'SELECT')
  ORDER BY c.oid`;

/**
 * Tables whose storage is not the one the snapshot's catalog names: rewritten (TRUNCATE, ALTER TABLE with a
 * rewrite, CLUSTER, VACUUM FULL) or dropped since. pg_relation_filenode() reads the current catalog, the
 * pg_class row is the snapshot's.
 */
const CHANGED = `
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND c.relpersistence <> 't' AND ${USER_SCHEMAS} AND c.relfilenode IS DISTINCT FROM pg_relation_filenode(c.oid)`;

/** How long taking the snapshot waits for a table lock (a long DDL statement in progress) before giving up. */
const LOCK_TIMEOUT = '20s';
const SNAPSHOT_ATTEMPTS = 5;

/**
 * On a connection outside any transaction: lists the tables, begins the REPEATABLE READ transaction, locks them
 * (ACCESS SHARE) before its first query, takes the snapshot, then locks and checks the tables created in between.
 * Returns the tables locked. A table dropped or rewritten in the window starts it all again.
 */
async function lockAndSnapshot(c: PgConn): Promise<string[]> {
  let why = '';
  for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
    const listed = await c.query(LOCKABLE);
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await c.query(`${SESSION_SETUP}; SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      const names = listed.map((r) => r[1]!);
      if (names.length > 0) await c.query(`LOCK TABLE ${names.join(', ')} IN ACCESS SHARE MODE`);
      // The first query: the transaction's snapshot is taken here, after the locks.
      const known = new Set(listed.map((r) => r[0]));
      const late = (await c.query(LOCKABLE)).filter((r) => !known.has(r[0])).map((r) => r[1]!);
      if (late.length > 0) await c.query(`LOCK TABLE ${late.join(', ')} IN ACCESS SHARE MODE`);
      const changed = await c.query(CHANGED);
      if (changed.length === 0) return [...names, ...late];
      why = `${changed.map((r) => r[0]).join(', ')} changed (TRUNCATE, ALTER TABLE, ...) while the snapshot was taken`;
    } catch (e) {
      // 42P01: a table listed a moment ago was dropped before it could be locked.
      if ((e as { code?: string }).code !== '42P01') {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
      why = e instanceof Error ? e.message : String(e);
    }
    await c.query('ROLLBACK');
  }
  throw new Error(`could not take a consistent snapshot: ${why}`);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** A node-postgres client as a PgConn. */
export async function pgConnect(url: string, database?: string): Promise<PgConn> {
  // The database goes into the URL: node-postgres lets the connection string's fields override `database`, so a
  // URL naming no database would connect to the user's own (the multi-database case).
  const client = new pg.Client({ connectionString: database === undefined ? url : withDatabase(url, database), types: RAW_TYPES, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw Object.assign(new Error(`cannot connect to ${redact(url)}: ${e instanceof Error ? e.message : String(e)}`), { code: (e as { code?: string }).code });
  }
  return {
    async query(sql) {
      const r = await client.query({ text: sql, rowMode: 'array' });
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      return (last?.rows ?? []) as (string | null)[][];
    },
    copyOut(sql, onData) {
      const q = new CopyOutQuery(sql, onData);
      void client.query(q as never);
      return q;
    },
    close: () => client.end().catch(() => undefined),
  };
}

/** PostgreSQL through `pg`: one database when the URL names one, else every connectable database. */
export class PostgresDriver implements SourceDriver {
  constructor(private readonly url: string, private readonly database: string) {}

  async probe(): Promise<{ engine: Engine; engineVersion: string }> {
    const c = await pgConnect(this.url, this.database || 'postgres');
    try {
      const [[v]] = (await c.query('SHOW server_version')) as [[string]];
      return { engine: 'postgres', engineVersion: v.split(' ')[0]! };
    } finally {
      await c.close();
    }
  }

  async open(opts: { maxReaders: number }): Promise<ReadSession> {
    let databases = [this.database];
    if (!this.database) {
      const c = await pgConnect(this.url, 'postgres');
      try {
        const rows = await c.query("SELECT datname::text FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname <> 'rdsadmin' ORDER BY 1");
        databases = rows.map((r) => r[0]!);
      } finally {
        await c.close();
      }
    }
    const sessions: PgDatabaseSession[] = [];
    try {
      for (const db of databases) {
        try {
          sessions.push(await PgDatabaseSession.open(db, () => pgConnect(this.url, db), opts.maxReaders));
        } catch (e) {
          // 3D000: dropped since it was listed; it is not there to snapshot any more.
          if (this.database || (e as { code?: string }).code !== '3D000') throw e;
        }
      }
    } catch (e) {
      await Promise.all(sessions.map((s) => s.close()));
      throw e;
    }
    return new PgReadSession(sessions);
  }

  async close(): Promise<void> {}
}

/** The consistent snapshot of one database: a coordinator transaction plus reader connections importing it. */
export class PgDatabaseSession {
  private readonly free: PgConn[] = [];
  private readonly all: PgConn[] = [];
  private readonly waiters: { resolve: (c: PgConn) => void; reject: (e: unknown) => void }[] = [];
  private opening = 0;

  private constructor(
    readonly database: string,
    private readonly connect: (() => Promise<PgConn>) | null,
    private readonly coordinator: PgConn,
    private readonly snapshotId: string | null,
    private maxReaders: number,
    readonly version: string,
    readonly snapshotTime: number,
    /** The tables the coordinator holds ACCESS SHARE locks on (quoted schema.table). */
    private readonly locked: string[],
  ) {
    this.free.push(coordinator);
    this.all.push(coordinator);
  }

  /**
   * Begins the transaction and takes its snapshot before returning. `connect` null = one connection only.
   *
   * A REPEATABLE READ snapshot alone does not hold against DDL: TRUNCATE and table-rewriting ALTERs are not
   * MVCC-safe, so a table changed that way after the snapshot would read as empty or wrong. So, as pg_dump does
   * but without its window: the tables are listed first, then `LOCK TABLE ... IN ACCESS SHARE MODE` runs before the
   * transaction's first query (LOCK does not take the snapshot), and only then is the snapshot taken. Tables that
   * appeared between the listing and the snapshot are locked right after it and checked: a table whose storage
   * changed since the snapshot (relfilenode) means a rewrite got in, and everything starts again (a few times,
   * then the snapshot is refused). The locks are held until the copy ends: DDL on those tables waits for it.
   * PGlite (`single`) has one backend and no concurrent session, so nothing can interleave there.
   */
  static async open(database: string, connect: () => Promise<PgConn>, maxReaders: number, single?: PgConn): Promise<PgDatabaseSession> {
    const c = single ?? (await connect());
    try {
      let locked: string[] = [];
      if (single) {
        await c.query(SESSION_SETUP);
        // A SELECT takes the transaction's snapshot now (SET and SHOW do not).
        await c.query('SELECT 1');
      } else {
        locked = await lockAndSnapshot(c);
      }
      let snapshotId: string | null = null;
      // Exporting the snapshot lets other connections share it.
      if (!single && maxReaders > 1) {
        await c.query('SAVEPOINT strata_export');
        try {
          snapshotId = ((await c.query('SELECT pg_export_snapshot()'))[0]![0] as string) ?? null;
          await c.query('RELEASE SAVEPOINT strata_export');
        } catch {
          await c.query('ROLLBACK TO SAVEPOINT strata_export');
        }
      }
      const [[version]] = (await c.query('SHOW server_version')) as [[string]];
      const snapshotTime = Date.now();
      return new PgDatabaseSession(database, single ? null : connect, c, snapshotId, snapshotId ? maxReaders : 1, version.split(' ')[0]!, snapshotTime, locked);
    } catch (e) {
      if (!single) await c.close();
      throw e;
    }
  }

  get parallelism(): number {
    return this.maxReaders;
  }

  async acquire(): Promise<PgConn> {
    const c = this.free.pop();
    if (c) return c;
    if (this.connect && this.snapshotId && this.all.length + this.opening < this.maxReaders) {
      this.opening++;
      let r: PgConn | undefined;
      try {
        r = await this.connect();
        await r.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await r.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(this.snapshotId)}`);
        await r.query(SESSION_SETUP);
        // A reader takes its own ACCESS SHARE locks, at once or not at all: once a DDL statement is queued behind
        // the coordinator's locks, a new lock request would queue behind that DDL, which waits for this copy to end.
        // Then this reader is dropped and the connections that hold their locks do the rest.
        if (this.locked.length > 0) await r.query(`LOCK TABLE ${this.locked.join(', ')} IN ACCESS SHARE MODE NOWAIT`);
        this.all.push(r);
        return r;
      } catch (e) {
        await r?.close();
        if (this.all.length === 0) throw e;
        this.maxReaders = this.all.length;
      } finally {
        this.opening--;
      }
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Gives a connection back; a broken one (closed by the caller) leaves the pool, and a waiter gets a new one if the snapshot can still be imported. */
  release(c: PgConn, broken = false): void {
    if (broken) {
      this.all.splice(this.all.indexOf(c), 1);
      const w = this.waiters.shift();
      if (!w) return;
      if (this.connect && this.snapshotId) this.acquire().then(w.resolve, w.reject);
      else w.reject(new Error(`lost the connection holding the snapshot of ${this.database}`));
      return;
    }
    const w = this.waiters.shift();
    if (w) w.resolve(c);
    else this.free.push(c);
  }

  /** Catalog of the database as of the snapshot. */
  async list(): Promise<{ tables: TableSpec[]; skipped: SkippedTable[] }> {
    const c = await this.acquire();
    try {
      const rels = await c.query(`
        SELECT n.nspname::text, c.relname::text, c.relkind::text, c.relpersistence::text,
               (CASE WHEN c.relkind = 'r' THEN pg_relation_size(c.oid) / current_setting('block_size')::int ELSE 0 END)::text,
               (CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t)
                     ELSE pg_total_relation_size(c.oid) END)::text,
               (CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(greatest(k.reltuples, 0)), 0) FROM pg_partition_tree(c.oid) t JOIN pg_class k ON k.oid = t.relid WHERE t.isleaf)
                     ELSE greatest(c.reltuples, 0) END)::bigint::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        ORDER BY 1, 2`);
      // Leaf partitions of partitioned tables, each read on its own (a batch folder each, spec 3.3).
      const leafRows = await c.query(`
        SELECT pn.nspname::text, p.relname::text, n.nspname::text, k.relname::text, (pg_relation_size(k.oid) / current_setting('block_size')::int)::text
        FROM pg_class p JOIN pg_namespace pn ON pn.oid = p.relnamespace
        CROSS JOIN LATERAL pg_partition_tree(p.oid) t JOIN pg_class k ON k.oid = t.relid JOIN pg_namespace n ON n.oid = k.relnamespace
        WHERE p.relkind = 'p' AND NOT p.relispartition AND t.isleaf AND k.relkind = 'r' AND ${USER_SCHEMAS.replace(/\bn\./g, 'pn.')}
        ORDER BY 1, 2, 3, 4`);
      const leaves = new Map<string, { schema: string; table: string; pages: number }[]>();
      for (const [ps, pt, schema, table, pages] of leafRows) {
        const key = `${ps}\u0000${pt}`;
        leaves.set(key, [...(leaves.get(key) ?? []), { schema: schema!, table: table!, pages: Number(pages) }]);
      }
      const cols = await c.query(`
        SELECT a.table_schema::text, a.table_name::text, a.column_name::text, a.data_type::text, a.domain_name::text,
               coalesce(a.character_maximum_length, 0)::text, coalesce(a.numeric_precision, 0)::text, coalesce(a.datetime_precision, 0)::text
        FROM information_schema.columns a
        WHERE a.table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY a.table_schema, a.table_name, a.ordinal_position`);
      const byTable = new Map<string, ColumnSpec[]>();
      for (const [schema, table, name, dataType, domain, charMax, numPrec, dtPrec] of cols) {
        const key = `${schema}\u0000${table}`;
        const kind = pgKind(dataType!, domain);
        if (kind === null) continue; // oid columns are not exported (spec 4.2)
        const list = byTable.get(key) ?? [];
        list.push({ name: name!, originalType: domain ? 'USER-DEFINED' : dataType!, kind, charMaxLength: Number(charMax), numPrecision: Number(numPrec), dateTimePrecision: Number(dtPrec) });
        byTable.set(key, list);
      }
      const tables: TableSpec[] = [];
      const skipped: SkippedTable[] = [];
      for (const [schema, table, relkind, persistence, pages, bytes, rows] of rels) {
        const target = `${this.database}.${schema}.${table}`;
        const columns = byTable.get(`${schema}\u0000${table}`) ?? [];
        if (persistence === 'u' || persistence === 't') skipped.push({ target, reason: persistence === 'u' ? 'UNLOGGED_TABLE' : 'TEMPORARY_TABLE' });
        else if (table!.includes('/')) skipped.push({ target, reason: 'UNSUPPORTED_TABLE_NAME' });
        else if (columns.some((x) => unsupportedColumnName(x.name))) skipped.push({ target, reason: 'UNSUPPORTED_COLUMN_NAME' });
        else if (columns.length === 0) skipped.push({ target, reason: 'NO_EXPORTABLE_COLUMNS' });
        else {
          const parts = relkind === 'p' ? (leaves.get(`${schema}\u0000${table}`) ?? []) : undefined;
          tables.push({
            database: this.database, schema: schema!, table: table!, columns, estimatedBytes: Number(bytes), estimatedRows: Number(rows), pages: Number(pages),
            ...(parts ? { leaves: parts } : {}),
          });
        }
      }
      return { tables, skipped };
    } finally {
      this.release(c);
    }
  }

  /** The rows of a ctid range (or the whole table) as column batches. */
  async *read(t: TableSpec, p: PartitionPlan): AsyncGenerator<ColumnBatch> {
    const c = await this.acquire();
    const where: string[] = [];
    if (p.lo !== undefined && p.lo > 0) where.push(`ctid >= '(${p.lo},0)'::tid`);
    if (p.hi !== undefined) where.push(`ctid < '(${p.hi},0)'::tid`);
    // ONLY: an inheritance parent's children are tables of their own (listed and exported separately).
    const rel = p.relation ?? t;
    const from = `FROM ONLY ${quoteIdent(rel.schema)}.${quoteIdent(rel.table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    if (!c.copyOut) {
      try {
        yield* readCursor(c, t, `SELECT ${t.columns.map((col) => `${quoteIdent(col.name)}::text`).join(', ')} ${from}`);
      } finally {
        this.release(c);
      }
      return;
    }
    let clean = false;
    try {
      const select = t.columns.map((col) => `${quoteIdent(col.name)}::${copyCast(col.kind)}`).join(', ');
      yield* readCopy(c, t, `COPY (SELECT ${select} ${from}) TO STDOUT (FORMAT binary)`);
      clean = true;
    } finally {
      // A COPY stopped half way leaves the connection mid-protocol: it is closed (the server ends the COPY).
      if (!clean) await c.close();
      this.release(c, !clean);
    }
  }

  async close(): Promise<void> {
    if (!this.connect) return;
    await Promise.all(this.all.map(async (c) => {
      await c.query('COMMIT').catch(() => undefined);
      await c.close();
    }));
  }
}

/** Batches queued ahead of the consumer before the socket is paused. */
const COPY_QUEUE = 2;

async function* readCopy(c: PgConn, t: TableSpec, sql: string): AsyncGenerator<ColumnBatch> {
  const decoder = new PgCopyDecoder(t.columns.map((col) => col.kind), { rows: CHUNK_ROWS, bytes: CHUNK_BYTES });
  const queue: ColumnBatch[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  let finished = false;
  let paused = false;
  let stopped = false;
  const copy = c.copyOut!(sql, (chunk) => {
    if (stopped) return;
    decoder.push(chunk, (b) => queue.push(b));
    if (queue.length >= COPY_QUEUE && !paused) {
      paused = true;
      copy.pause();
    }
    wake?.();
  });
  copy.done.then(
    () => {
      finished = true;
      wake?.();
    },
    (e: unknown) => {
      failure ??= e;
      finished = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      if (failure !== undefined) throw failure;
      const b = queue.shift();
      if (b) {
        if (paused && queue.length < COPY_QUEUE) {
          paused = false;
          copy.resume();
        }
        yield b;
        continue;
      }
      if (finished) {
        if (!decoder.ended) throw new Error(`COPY of ${t.schema}.${t.table} ended without its end marker`);
        const last = decoder.flush();
        if (last) yield last;
        return;
      }
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  } finally {
    // Stopped early: whatever still arrives is dropped (the caller closes the connection).
    stopped = true;
    if (paused) copy.resume();
  }
}

/** PGlite: `::text` values through a cursor, FETCH n adapting so a chunk stays near CHUNK_BYTES. */
async function* readCursor(c: PgConn, t: TableSpec, select: string): AsyncGenerator<ColumnBatch> {
  let open = false;
  try {
    await c.query(`DECLARE strata_cursor NO SCROLL CURSOR FOR ${select}`);
    open = true;
    const convert = t.columns.map((col) => pgConverter(col.kind));
    let fetch = 1000;
    for (;;) {
      const rows = await c.query(`FETCH FORWARD ${fetch} FROM strata_cursor`);
      if (rows.length === 0) break;
      let bytes = 0;
      const out: Canonical[][] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        const vals: Canonical[] = new Array(row.length);
        for (let i = 0; i < row.length; i++) {
          const v = row[i];
          if (v === null || v === undefined) vals[i] = null;
          else {
            bytes += v.length;
            vals[i] = convert[i]!(v);
          }
        }
        out[r] = vals;
      }
      yield rowsToBatch(t.columns, out);
      if (rows.length < fetch) break;
      const perRow = Math.max(1, bytes / rows.length);
      fetch = Math.max(1, Math.min(CHUNK_ROWS, Math.floor(CHUNK_BYTES / perRow)));
    }
  } finally {
    if (open) await c.query('CLOSE strata_cursor').catch(() => undefined);
  }
}

/** All databases of a source; each has its own transaction (taken one after another). */
export class PgReadSession implements ReadSession {
  readonly engine: Engine = 'postgres';
  readonly engineVersion: string;
  readonly snapshotTime: number;
  readonly parallelism: number;

  constructor(private readonly sessions: PgDatabaseSession[], private readonly onClose?: () => Promise<void>) {
    this.engineVersion = sessions[0]?.version ?? '';
    this.snapshotTime = sessions[0]?.snapshotTime ?? Date.now();
    this.parallelism = Math.max(1, ...sessions.map((s) => s.parallelism));
  }

  async list(): Promise<TableListing> {
    const out: TableListing = { databases: this.sessions.map((s) => s.database), tables: [], skipped: [] };
    for (const s of this.sessions) {
      const l = await s.list();
      out.tables.push(...l.tables);
      out.skipped.push(...l.skipped);
    }
    return out;
  }

  /**
   * ctid page ranges of about maxPartBytes, all in batch 1; a partitioned table (whose own relation is empty)
   * is read partition by partition, each leaf its own batch folder and split the same way (spec 3.3).
   */
  partitions(t: TableSpec, maxPartBytes: number): PartitionPlan[] {
    const per = Math.max(1, Math.floor(maxPartBytes / 8192));
    const split = (pages: number, extra: PartitionPlan): PartitionPlan[] => {
      if (pages <= per) return [{ ...extra }];
      const plans: PartitionPlan[] = [];
      for (let lo = 0; lo < pages; lo += per) plans.push({ ...extra, lo, hi: lo + per < pages ? lo + per : undefined });
      return plans;
    };
    if (t.leaves) return t.leaves.flatMap((leaf, i) => split(leaf.pages, { batch: i + 1, relation: { schema: leaf.schema, table: leaf.table } }));
    return split(t.pages, {});
  }

  read(t: TableSpec, p: PartitionPlan): AsyncGenerator<ColumnBatch> {
    const s = this.sessions.find((x) => x.database === t.database);
    if (!s) throw new Error(`no session for database ${t.database}`);
    return s.read(t, p);
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
    await this.onClose?.();
  }
}

/** information_schema data_type → Parquet column kind; null = not exported. */
export function pgKind(dataType: string, domain: string | null | undefined): ColumnKind | null {
  if (domain) return 'utf8';
  switch (dataType) {
    case 'smallint':
      return 'int16';
    case 'integer':
      return 'int32';
    case 'bigint':
      return 'int64';
    case 'real':
      return 'float32';
    case 'double precision':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'bytea':
      return 'binary';
    case 'oid':
      return null;
    default:
      return 'utf8';
  }
}

function pgConverter(kind: ColumnKind): (v: string) => Canonical {
  switch (kind) {
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64':
      return Number;
    case 'int64':
      return BigInt;
    case 'bool':
      return (v) => v === 'true' || v === 't';
    case 'binary':
      return (v) => Buffer.from(v.startsWith('\\x') ? v.slice(2) : v, 'hex');
    default:
      return (v) => v;
  }
}
