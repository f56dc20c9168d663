/**
 * Real databases for the RDS tests: PostgreSQL and MariaDB started by .ci/run, reached through
 * STRATA_TEST_PG_URL / STRATA_TEST_MYSQL_URL. Without them the tests skip locally, and fail where the databases
 * are expected: .ci/run sets STRATA_TEST_REQUIRE_DBS=1 when it has set them up (CI=true does the same).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { getBytes, listKeys } from './exports.js';

export const PG_URL = process.env.STRATA_TEST_PG_URL;
export const MYSQL_URL = process.env.STRATA_TEST_MYSQL_URL;

/** Whether a missing database is an error rather than a reason to skip. */
export function databasesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.STRATA_TEST_REQUIRE_DBS === '1' || env.CI === 'true';
}

/** `skip` option for a suite needing a database: a reason locally, an error where databases are required. */
export function needs(url: string | undefined, what: string): string | false {
  if (url) return false;
  if (databasesRequired()) throw new Error(`${what} is required here (STRATA_TEST_REQUIRE_DBS=1 or CI=true) but its URL is not set: .ci/run exports it`);
  return `${what} not configured (set ${what === 'PostgreSQL' ? 'STRATA_TEST_PG_URL' : 'STRATA_TEST_MYSQL_URL'})`;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Creates (or recreates) a PostgreSQL database and returns a client on it and its URL. */
export async function freshPgDatabase(name: string): Promise<{ url: string; client: pg.Client }> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(PG_URL!, name);
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  return { url, client };
}

/** Creates (or recreates) MariaDB/MySQL databases and returns a connection (no default database). */
export async function freshMysqlDatabases(names: string[]): Promise<mysql.Connection> {
  const c = await mysql.createConnection({ uri: MYSQL_URL!, multipleStatements: true, charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  for (const n of names) await c.query(`DROP DATABASE IF EXISTS \`${n}\`; CREATE DATABASE \`${n}\` CHARACTER SET utf8mb4`);
  await c.query("SET time_zone = '+00:00'");
  return c;
}

export function mysqlUrl(db = ''): string {
  return withDatabase(MYSQL_URL!, db);
}

/** Downloads every Parquet part under a prefix to a temporary directory. */
export async function downloadParts(s3: S3Client, bucket: string, prefix: string): Promise<{ dir: string; files: string[]; keys: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-parts-'));
  const keys = (await listKeys(s3, bucket, prefix)).map((k) => k.key).filter((k) => k.endsWith('.parquet'));
  const files: string[] = [];
  for (const [i, key] of keys.entries()) {
    const f = join(dir, `part-${i}.parquet`);
    writeFileSync(f, await getBytes(s3, bucket, key));
    files.push(f);
  }
  return { dir, files, keys };
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

let duck: Promise<DuckDBInstance> | undefined;

/** Runs a query in DuckDB (the independent reader); rows as arrays of JSON-friendly values. */
export async function duckQuery(sql: string): Promise<unknown[][]> {
  duck ??= DuckDBInstance.create(':memory:');
  const con = await (await duck).connect();
  try {
    const reader = await con.runAndReadAll(sql);
    return reader.getRowsJson() as unknown[][];
  } finally {
    con.closeSync();
  }
}

export function parquetList(files: string[]): string {
  return `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
}
