/**
 * A registered database (`--rds-instance ID=URL`, `--rds-cluster ID=URL`, or the embedded PGlite) and the
 * consistent read session every snapshot and cluster export goes through.
 */
import type { ColumnBatch } from '../arrow-batch.js';
import type { Engine, SkippedTable, TableSpec } from '../types.js';

export type SourceKind = 'instance' | 'cluster';
export type Scheme = 'postgres' | 'mysql' | 'pglite';

export interface SourceDef {
  id: string;
  kind: SourceKind;
  scheme: Scheme;
  /** Connection URL (never shown: it may carry a password). */
  url: string;
  /** Host, port, user and database from the URL, for Describe* (no password). */
  host: string;
  port: number;
  user: string;
  database: string;
  createdAt: number;
}

/**
 * One piece of a table to read: a ctid page range (PostgreSQL), one partition of a partitioned table, or the
 * whole table. Where its files go follows spec 3.3: pieces read in parallel share batch folder `batch` (default 1),
 * one batch per table partition; a `sequential` piece (a table that cannot be split for parallel reading) puts
 * each file it produces in a batch folder of its own.
 */
export interface PartitionPlan {
  /** First page (inclusive) and last page (exclusive; undefined = to the end). */
  lo?: number;
  hi?: number;
  /** Batch folder of this piece's files (1-based). */
  batch?: number;
  /** Each file in a new batch folder (numbered across the table's pieces, in reading order). */
  sequential?: boolean;
  /** The relation actually read, when not the table itself (a PostgreSQL leaf partition, a MySQL partition name). */
  relation?: { schema: string; table: string };
  partition?: string;
}

export interface TableListing {
  databases: string[];
  tables: TableSpec[];
  skipped: SkippedTable[];
}

/**
 * An open, transactionally consistent view of a source: everything read through it is as of
 * `snapshotTime`, whatever is written to the database meanwhile.
 */
export interface ReadSession {
  readonly engine: Engine;
  readonly engineVersion: string;
  /** When the consistent snapshot was taken (ms since the epoch). */
  readonly snapshotTime: number;
  /** Partitions that may be read at once (PostgreSQL: connections sharing the exported snapshot). */
  readonly parallelism: number;
  /** The tables (of every database the source covers) as of the snapshot. */
  list(): Promise<TableListing>;
  /** How a table is split for reading (PostgreSQL: ctid ranges of about maxPartBytes). */
  partitions(t: TableSpec, maxPartBytes: number): PartitionPlan[];
  /** The rows of one partition, in column batches (bounded in rows and bytes). */
  read(t: TableSpec, p: PartitionPlan): AsyncGenerator<ColumnBatch>;
  /** Values of a table read so far that had no Parquet equivalent and became NULL (MySQL zero dates). */
  nulled?(t: TableSpec): number;
  close(): Promise<void>;
}

export interface SourceDriver {
  /** Engine and version, asking the server (cached by the registry). */
  probe(): Promise<{ engine: Engine; engineVersion: string }>;
  /** Takes the consistent snapshot now (before returning) and keeps it open until close(). */
  open(opts: { maxReaders: number }): Promise<ReadSession>;
  close(): Promise<void>;
}

/** Rows and bytes per chunk handed to the Parquet writer. */
export const CHUNK_ROWS = 8192;
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** Parses `ID=URL` as given to --rds-instance / --rds-cluster. */
export function parseSourceSpec(spec: string, kind: SourceKind, now: number): SourceDef {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`bad --rds-${kind} "${spec}": expected ID=URL (postgres://..., mysql://... or pglite:...)`);
  const id = spec.slice(0, eq).trim().toLowerCase();
  const url = spec.slice(eq + 1).trim();
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id) || id.length > 63) {
    throw new Error(`bad ${kind} identifier "${id}": 1 to 63 letters, digits or hyphens; starting with a letter; no trailing or double hyphen`);
  }
  return sourceDef(id, kind, url, now);
}

export function sourceDef(id: string, kind: SourceKind, url: string, now: number): SourceDef {
  const scheme = schemeOf(url);
  if (scheme === 'pglite') {
    return { id, kind, scheme, url, host: 'localhost', port: 5432, user: 'postgres', database: 'postgres', createdAt: now };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`bad database URL for ${id}: ${redact(url)}`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return {
    id, kind, scheme, url,
    host: u.hostname || 'localhost',
    port: u.port ? Number(u.port) : scheme === 'postgres' ? 5432 : 3306,
    user: decodeURIComponent(u.username) || (scheme === 'postgres' ? 'postgres' : 'root'),
    database,
    createdAt: now,
  };
}

function schemeOf(url: string): Scheme {
  const s = url.slice(0, url.indexOf(':')).toLowerCase();
  if (s === 'postgres' || s === 'postgresql') return 'postgres';
  if (s === 'mysql' || s === 'mariadb') return 'mysql';
  if (s === 'pglite') return 'pglite';
  throw new Error(`unsupported database URL scheme "${s}:" (postgres://, mysql://, mariadb:// or pglite:)`);
}

/** The URL with its password replaced, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/** Text timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) → microseconds since the epoch; null for zero dates. */
export function timestampMicros(text: string): bigint | null {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, f] = m;
  if (Number(mo) === 0 || Number(d) === 0) return null;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return null;
  // Date.UTC maps years 0..99 to 1900..1999.
  const fixed = Number(y) < 100 ? new Date(ms).setUTCFullYear(Number(y)) : ms;
  return BigInt(fixed) * 1000n + BigInt((f ?? '').padEnd(6, '0') || '0');
}
