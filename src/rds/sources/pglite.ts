/**
 * The embedded default source: PostgreSQL compiled to WebAssembly (PGlite), in-process, its data under
 * Strata's data directory. It has a single backend, so a snapshot is one REPEATABLE READ transaction read by
 * one reader (pg_export_snapshot has no second session to share with), and other users of the embedded
 * database wait while a snapshot is being copied.
 */
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Engine } from '../types.js';
import { PgDatabaseSession, PgReadSession, type PgConn } from './postgres.js';
import type { ReadSession, SourceDriver } from './source.js';

export class PgliteDriver implements SourceDriver {
  private db: Promise<PGlite> | undefined;

  /** `dir` null keeps the database in memory. */
  constructor(private readonly dir: string | null, private readonly seed: boolean) {}

  /** The PGlite instance (created, and seeded with the demo schema when new, on first use). */
  database(): Promise<PGlite> {
    this.db ??= (async () => {
      if (this.dir) mkdirSync(this.dir, { recursive: true });
      const db = this.dir ? await PGlite.create(this.dir) : await PGlite.create();
      if (this.seed) {
        const r = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'shop'");
        if (r.rows[0]!.n === 0) await db.exec(DEMO_SCHEMA);
      }
      return db;
    })();
    return this.db;
  }

  async probe(): Promise<{ engine: Engine; engineVersion: string }> {
    const db = await this.database();
    const r = await db.query<[string]>('SHOW server_version', [], { rowMode: 'array' });
    return { engine: 'postgres', engineVersion: String(r.rows[0]![0]).split(' ')[0]! };
  }

  async open(): Promise<ReadSession> {
    const db = await this.database();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const conn = await new Promise<PgConn>((resolve, reject) => {
      db.transaction(async (tx: Transaction) => {
        await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        resolve({
          async query(sql) {
            const rs = await tx.exec(sql, { rowMode: 'array' });
            return (rs[rs.length - 1]?.rows ?? []) as (string | null)[][];
          },
          close: async () => undefined,
        });
        await held;
      }).catch((e: unknown) => reject(e));
    });
    try {
      const session = await PgDatabaseSession.open('postgres', () => Promise.resolve(conn), 1, conn);
      return new PgReadSession([session], async () => release());
    } catch (e) {
      release();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (!this.db) return;
    const db = await this.db.catch(() => undefined);
    this.db = undefined;
    await db?.close();
  }
}

/** The demo database of `database-1`: a small shop using most of the types the export maps. */
const DEMO_SCHEMA = `
CREATE SCHEMA shop;
CREATE TYPE shop.tier AS ENUM ('bronze', 'silver', 'gold');
CREATE TABLE shop.customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email varchar(200),
  tier shop.tier NOT NULL DEFAULT 'bronze',
  signed_up timestamptz NOT NULL,
  external_id uuid
);
CREATE TABLE shop.orders (
  id bigserial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES shop.customers(id),
  total numeric(10, 2) NOT NULL,
  quantity smallint NOT NULL,
  discount real,
  weight_kg double precision,
  gift boolean NOT NULL DEFAULT false,
  items jsonb NOT NULL,
  tags text[],
  placed_on date NOT NULL,
  placed_at timestamp NOT NULL,
  receipt bytea
);
INSERT INTO shop.customers (name, email, tier, signed_up, external_id)
SELECT 'Customer ' || g, 'customer' || g || '@example.com', (ARRAY['bronze','silver','gold'])[1 + g % 3]::shop.tier,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '7 hours', md5(g::text)::uuid
FROM generate_series(1, 200) g;
INSERT INTO shop.orders (customer_id, total, quantity, discount, weight_kg, gift, items, tags, placed_on, placed_at, receipt)
SELECT 1 + g % 200, round((g * 7.31)::numeric % 1000, 2), (1 + g % 9)::smallint, CASE WHEN g % 4 = 0 THEN 0.1 END, g * 0.25, g % 10 = 0,
       jsonb_build_object('sku', 'SKU-' || (g % 50), 'qty', 1 + g % 9), ARRAY['web', CASE WHEN g % 2 = 0 THEN 'promo' ELSE 'regular' END],
       date '2024-03-01' + g % 90, timestamp '2024-03-01 08:00:00' + g * interval '37 minutes', CASE WHEN g % 5 = 0 THEN decode(md5(g::text), 'hex') END
FROM generate_series(1, 5000) g;
`;
