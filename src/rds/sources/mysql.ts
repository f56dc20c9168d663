/**
 * MySQL / MariaDB sources through mysql2. A snapshot is one connection's
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT` (REPEATABLE READ, InnoDB), which covers every database of the
 * server at once, with every table touched right after it so their metadata locks hold DDL off until the copy
 * ends (MysqlDriver.open); tables are read one after another on that connection with unbuffered, streamed queries
 * (mysql2 pauses the socket when the consumer falls behind), so memory stays bounded. MySQL has no way to
 * share a snapshot between connections, hence one reader. Session time_zone is UTC, so TIMESTAMP values are
 * UTC and DATETIME values are taken as UTC wall-clock times.
 */
import mysql from 'mysql2';
import type { Connection, FieldPacket, TypeCast } from 'mysql2';
import { rowsToBatch, type Canonical, type ColumnBatch } from '../arrow-batch.js';
import type { ColumnKind, ColumnSpec, Engine, SkippedTable, TableSpec } from '../types.js';
import { unsupportedColumnName } from '../types.js';
import { CHUNK_BYTES, CHUNK_ROWS, redact, timestampMicros, type PartitionPlan, type ReadSession, type SourceDriver, type TableListing } from './source.js';

const SYSTEM_DBS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** JSON as its text, GEOMETRY and BIT as bytes; everything else as mysql2 gives it (dates as strings). */
const typeCast: TypeCast = (field, next) => {
  if (field.type === 'JSON') return field.string('utf8');
  if (field.type === 'GEOMETRY' || field.type === 'BIT') return field.buffer();
  return next();
};

function connect(url: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const c = mysql.createConnection({
      uri: url.replace(/^mariadb:/i, 'mysql:'),
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      charset: 'utf8mb4',
      connectTimeout: 10_000,
    });
    c.on('error', () => undefined);
    c.connect((err) => (err ? reject(new Error(`cannot connect to ${redact(url)}: ${err.message}`)) : resolve(c)));
  });
}

function q(c: Connection, sql: string, values: unknown[] = []): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    c.query({ sql, values, rowsAsArray: true }, (err, rows) => (err ? reject(err) : resolve(rows as unknown[][])));
  });
}

function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function versionOf(text: string): { engine: Engine; engineVersion: string } {
  return { engine: /mariadb/i.test(text) ? 'mariadb' : 'mysql', engineVersion: text.split('-')[0]! };
}

export class MysqlDriver implements SourceDriver {
  constructor(private readonly url: string, private readonly database: string) {}

  async probe(): Promise<{ engine: Engine; engineVersion: string }> {
    const c = await connect(this.url);
    try {
      const [[v]] = (await q(c, 'SELECT VERSION()')) as [[string]];
      return versionOf(v);
    } finally {
      c.destroy();
    }
  }

  /**
   * Takes the snapshot before returning. InnoDB's consistent read does not cover the data dictionary: a table
   * truncated, altered or created after START TRANSACTION WITH CONSISTENT SNAPSHOT fails with ER_TABLE_DEF_CHANGED
   * (1412) when read, and information_schema is not in the snapshot at all. So the tables are listed first, and
   * right after the snapshot each one is read (one row), which takes its metadata lock until the transaction ends:
   * later DDL on it waits for the copy. The listing is then taken again, under those locks, and kept: tables that
   * appeared in between are read too, and kept if they predate the snapshot (1412 says they do not). A table that
   * changed before it could be locked starts it all again (a few times, then the snapshot is refused).
   */
  async open(): Promise<ReadSession> {
    const c = await connect(this.url);
    try {
      await q(c, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await q(c, `SET time_zone = '+00:00', net_write_timeout = 3600, lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
      let why = '';
      for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
        const before = new Set((await listTableNames(c, this.database)).map(nameKey));
        await q(c, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
        const snapshotTime = Date.now();
        try {
          for (const key of before) await touch(c, key);
          const listing = await listTables(c, this.database);
          const keep: TableSpec[] = [];
          for (const t of listing.tables) {
            if (before.has(nameKey([t.database, t.table]))) keep.push(t);
            else if (await touch(c, nameKey([t.database, t.table]), true)) keep.push(t);
          }
          listing.tables = keep;
          const [[v]] = (await q(c, 'SELECT VERSION()')) as [[string]];
          return new MysqlReadSession(c, listing, versionOf(v), snapshotTime);
        } catch (e) {
          const code = (e as { errno?: number }).errno;
          await q(c, 'ROLLBACK').catch(() => undefined);
          // 1412: changed after the snapshot before it was locked; 1146: dropped since it was listed.
          if (code !== 1412 && code !== 1146) throw e;
          why = e instanceof Error ? e.message : String(e);
        }
      }
      throw new Error(`could not take a consistent snapshot: ${why}`);
    } catch (e) {
      c.destroy();
      throw e;
    }
  }

  async close(): Promise<void> {}
}

/** How long taking the snapshot waits for a metadata lock (a DDL statement in progress) before giving up. */
const LOCK_WAIT_SECONDS = 20;
const SNAPSHOT_ATTEMPTS = 5;

function nameKey(r: unknown[]): string {
  return `${String(r[0])}\u0000${String(r[1])}`;
}

function schemaFilter(database: string): { filter: string; args: string[] } {
  return database
    ? { filter: 'TABLE_SCHEMA = ?', args: [database] }
    : { filter: `TABLE_SCHEMA NOT IN (${SYSTEM_DBS.map(() => '?').join(', ')})`, args: SYSTEM_DBS };
}

async function listTableNames(c: Connection, database: string): Promise<unknown[][]> {
  const { filter, args } = schemaFilter(database);
  return q(c, `SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND ${filter}`, args);
}

/**
 * Reads one row of a table inside the snapshot: takes its metadata lock (held to the end of the transaction) and
 * makes InnoDB check the table against the snapshot. `lenient`: a table created after the snapshot (1412)
 * answers false instead of failing.
 */
async function touch(c: Connection, key: string, lenient = false): Promise<boolean> {
  const [db, table] = key.split('\u0000') as [string, string];
  try {
    await q(c, `SELECT 1 FROM ${quoteIdent(db)}.${quoteIdent(table)} LIMIT 1`);
    return true;
  } catch (e) {
    if (lenient && (e as { errno?: number }).errno === 1412) return false;
    throw e;
  }
}

/** The databases, tables (with columns and partitions) and skipped tables a source covers, from information_schema. */
async function listTables(c: Connection, database: string): Promise<TableListing> {
  const { filter, args } = schemaFilter(database);
  const dbs = (await q(c, `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE ${filter.replace(/TABLE_SCHEMA/g, 'SCHEMA_NAME')} ORDER BY 1`, args)).map((r) => String(r[0]));
  const rels = await q(c, `SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(DATA_LENGTH, 0), COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND ${filter} ORDER BY 1, 2`, args);
  const cols = await q(
    c,
    `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0), COALESCE(DATETIME_PRECISION, 0)
     FROM information_schema.COLUMNS WHERE ${filter} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    args,
  );
  // Partitions (subpartitions when there are some): each read on its own, a batch folder each (spec 3.3).
  const partRows = await q(
    c,
    `SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(SUBPARTITION_NAME, PARTITION_NAME) FROM information_schema.PARTITIONS
     WHERE PARTITION_NAME IS NOT NULL AND ${filter} ORDER BY TABLE_SCHEMA, TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION`,
    args,
  );
  const partitions = new Map<string, { schema: string; table: string; pages: number }[]>();
  for (const r of partRows) partitions.set(nameKey(r), [...(partitions.get(nameKey(r)) ?? []), { schema: String(r[0]), table: String(r[2]), pages: 0 }]);
  const byTable = new Map<string, ColumnSpec[]>();
  for (const [db, table, name, dataType, columnType, charMax, numPrec, numScale, dtPrec] of cols) {
    const key = `${String(db)}\u0000${String(table)}`;
    const list = byTable.get(key) ?? [];
    const m = mysqlKind(String(dataType).toLowerCase(), String(columnType).toLowerCase(), Number(numPrec), Number(numScale));
    list.push({ name: String(name), originalType: String(dataType).toLowerCase(), ...m, charMaxLength: Number(charMax), numPrecision: Number(numPrec), dateTimePrecision: Number(dtPrec) });
    byTable.set(key, list);
  }
  const tables: TableSpec[] = [];
  const skipped: SkippedTable[] = [];
  for (const [db, table, bytes, rows] of rels) {
    const target = `${String(db)}.${String(table)}`;
    const columns = byTable.get(`${String(db)}\u0000${String(table)}`) ?? [];
    const leaves = partitions.get(nameKey([db, table]));
    if (String(table).includes('/')) skipped.push({ target, reason: 'UNSUPPORTED_TABLE_NAME' });
    else if (columns.some((x) => unsupportedColumnName(x.name))) skipped.push({ target, reason: 'UNSUPPORTED_COLUMN_NAME' });
    else tables.push({ database: String(db), schema: String(db), table: String(table), columns, estimatedBytes: Number(bytes), estimatedRows: Number(rows), pages: 0, ...(leaves ? { leaves } : {}) });
  }
  return { databases: dbs, tables, skipped };
}

class MysqlReadSession implements ReadSession {
  readonly engine: Engine;
  readonly engineVersion: string;
  readonly parallelism = 1;
  /** Zero dates read per table (they become NULL). */
  private readonly zeroDates = new Map<TableSpec, number>();

  constructor(private readonly c: Connection, private readonly listing: TableListing, v: { engine: Engine; engineVersion: string }, readonly snapshotTime: number) {
    this.engine = v.engine;
    this.engineVersion = v.engineVersion;
  }

  /** The listing taken under the tables' metadata locks when the snapshot was opened (information_schema is not in it). */
  async list(): Promise<TableListing> {
    return this.listing;
  }

  /**
   * One reader, so a table is read sequentially: each file it yields goes in a batch folder of its own, and a
   * partitioned table is read partition by partition (spec 3.3).
   */
  partitions(t: TableSpec): PartitionPlan[] {
    if (t.leaves) return t.leaves.map((p) => ({ sequential: true, partition: p.table }));
    return [{ sequential: true }];
  }

  async *read(t: TableSpec, p: PartitionPlan): AsyncGenerator<ColumnBatch> {
    const from = `${quoteIdent(t.database)}.${quoteIdent(t.table)}${p.partition !== undefined ? ` PARTITION (${quoteIdent(p.partition)})` : ''}`;
    const sql = `SELECT ${t.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${from}`;
    const query = this.c.query({ sql, rowsAsArray: true, typeCast });
    const stream = query.stream({ highWaterMark: 1024 });
    const convert = t.columns.map((c) => mysqlConverter(c, () => this.zeroDates.set(t, (this.zeroDates.get(t) ?? 0) + 1)));
    let out: Canonical[][] = [];
    let bytes = 0;
    try {
      for await (const row of stream as AsyncIterable<unknown[]>) {
        const vals: Canonical[] = new Array(row.length);
        for (let i = 0; i < row.length; i++) {
          const v = row[i];
          if (v === null || v === undefined) vals[i] = null;
          else {
            bytes += typeof v === 'string' || Buffer.isBuffer(v) ? v.length : 8;
            vals[i] = convert[i]!(v);
          }
        }
        out.push(vals);
        if (out.length >= CHUNK_ROWS || bytes >= CHUNK_BYTES) {
          yield rowsToBatch(t.columns, out);
          out = [];
          bytes = 0;
        }
      }
      if (out.length > 0) yield rowsToBatch(t.columns, out);
    } finally {
      if (!stream.destroyed) stream.destroy();
    }
  }

  nulled(t: TableSpec): number {
    return this.zeroDates.get(t) ?? 0;
  }

  async close(): Promise<void> {
    await q(this.c, 'COMMIT').catch(() => undefined);
    this.c.destroy();
  }
}

/** information_schema DATA_TYPE / COLUMN_TYPE → Parquet column kind (spec 4.1). */
export function mysqlKind(dataType: string, columnType: string, precision: number, scale: number): { kind: ColumnKind; precision?: number; scale?: number } {
  const unsigned = columnType.includes('unsigned');
  switch (dataType) {
    case 'tinyint':
      return { kind: unsigned ? 'int16' : 'int32' };
    case 'smallint':
    case 'year':
      return { kind: 'int32' };
    case 'mediumint':
    case 'int':
    case 'integer':
      return { kind: unsigned ? 'int64' : 'int32' };
    case 'bigint':
      return unsigned ? { kind: 'decimal', precision: 20, scale: 0 } : { kind: 'int64' };
    case 'decimal':
    case 'numeric':
    case 'fixed':
      return precision > 38 ? { kind: 'utf8' } : { kind: 'decimal', precision: Math.max(1, precision), scale };
    case 'float':
    case 'double':
    case 'real':
    case 'double precision':
      return { kind: 'float64' };
    case 'bit':
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'char':
    case 'geometry':
    case 'geometrycollection':
    case 'linestring':
    case 'multilinestring':
    case 'multipoint':
    case 'multipolygon':
    case 'point':
    case 'polygon':
      return { kind: 'binary' };
    case 'datetime':
    case 'timestamp':
      return { kind: 'timestamp' };
    default:
      // enum, set, varchar, *text, json, date, time and MariaDB's inet4/inet6/uuid: text.
      return { kind: 'utf8' };
  }
}

function mysqlConverter(c: ColumnSpec, onZeroDate: () => void): (v: unknown) => Canonical {
  switch (c.kind) {
    case 'int16':
    case 'int32':
    case 'float64':
      return Number;
    case 'int64':
      return (v) => BigInt(v as string | number);
    case 'decimal':
      return String;
    case 'timestamp':
      return (v) => {
        const us = timestampMicros(String(v));
        if (us === null) onZeroDate();
        return us;
      };
    case 'binary':
      return (v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
    default:
      return (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  }
}

export type { FieldPacket };
