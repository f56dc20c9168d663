/**
 * MySQL / MariaDB sources through mysql2. A snapshot is one connection's
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT` (REPEATABLE READ, InnoDB), which covers every database of the
 * server at once; tables are read one after another on that connection with unbuffered, streamed queries
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

  async open(): Promise<ReadSession> {
    const c = await connect(this.url);
    try {
      await q(c, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await q(c, "SET time_zone = '+00:00', net_write_timeout = 3600");
      await q(c, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const snapshotTime = Date.now();
      const [[v]] = (await q(c, 'SELECT VERSION()')) as [[string]];
      return new MysqlReadSession(c, this.database, versionOf(v), snapshotTime);
    } catch (e) {
      c.destroy();
      throw e;
    }
  }

  async close(): Promise<void> {}
}

class MysqlReadSession implements ReadSession {
  readonly engine: Engine;
  readonly engineVersion: string;
  readonly parallelism = 1;

  constructor(private readonly c: Connection, private readonly database: string, v: { engine: Engine; engineVersion: string }, readonly snapshotTime: number) {
    this.engine = v.engine;
    this.engineVersion = v.engineVersion;
  }

  async list(): Promise<TableListing> {
    const filter = this.database ? 'TABLE_SCHEMA = ?' : `TABLE_SCHEMA NOT IN (${SYSTEM_DBS.map(() => '?').join(', ')})`;
    const args = this.database ? [this.database] : SYSTEM_DBS;
    const dbs = (await q(this.c, `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE ${filter.replace(/TABLE_SCHEMA/g, 'SCHEMA_NAME')} ORDER BY 1`, args)).map((r) => String(r[0]));
    const rels = await q(this.c, `SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(DATA_LENGTH, 0), COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND ${filter} ORDER BY 1, 2`, args);
    const cols = await q(
      this.c,
      `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0), COALESCE(DATETIME_PRECISION, 0)
       FROM information_schema.COLUMNS WHERE ${filter} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      args,
    );
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
      if (String(table).includes('/')) skipped.push({ target, reason: 'UNSUPPORTED_TABLE_NAME' });
      else if (columns.some((x) => unsupportedColumnName(x.name))) skipped.push({ target, reason: 'UNSUPPORTED_COLUMN_NAME' });
      else tables.push({ database: String(db), schema: String(db), table: String(table), columns, estimatedBytes: Number(bytes), estimatedRows: Number(rows), pages: 0 });
    }
    return { databases: dbs, tables, skipped };
  }

  partitions(): PartitionPlan[] {
    return [{}];
  }

  async *read(t: TableSpec): AsyncGenerator<ColumnBatch> {
    const sql = `SELECT ${t.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(t.database)}.${quoteIdent(t.table)}`;
    const query = this.c.query({ sql, rowsAsArray: true, typeCast });
    const stream = query.stream({ highWaterMark: 1024 });
    const convert = t.columns.map((c) => mysqlConverter(c));
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

function mysqlConverter(c: ColumnSpec): (v: unknown) => Canonical {
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
      return (v) => timestampMicros(String(v));
    case 'binary':
      return (v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
    default:
      return (v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  }
}

export type { FieldPacket };
