/** The embedded schema. Kept to portable SQL (row values, WITHOUT ROWID aside) so it maps onto PostgreSQL. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS tables (
  uid INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  UNIQUE (account, region, name)
);
CREATE TABLE IF NOT EXISTS table_stats (
  uid INTEGER PRIMARY KEY,
  item_count INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL
);
-- The version log: one row per write; item NULL is a tombstone.
CREATE TABLE IF NOT EXISTS versions (
  t INTEGER NOT NULL,
  h INTEGER NOT NULL,
  pk BLOB NOT NULL,
  sk BLOB NOT NULL,
  ts INTEGER NOT NULL,
  item TEXT,
  size INTEGER NOT NULL,
  PRIMARY KEY (t, h, pk, sk, ts)
) WITHOUT ROWID;
-- Serves incremental exports ([T1, T2) in commit order) and retention.
CREATE INDEX IF NOT EXISTS versions_by_ts ON versions (t, ts);
-- Secondary indexes: derived from current images, never versioned.
CREATE TABLE IF NOT EXISTS index_entries (
  t INTEGER NOT NULL,
  idx TEXT NOT NULL,
  ih INTEGER NOT NULL,
  ipk BLOB NOT NULL,
  isk BLOB NOT NULL,
  h INTEGER NOT NULL,
  pk BLOB NOT NULL,
  sk BLOB NOT NULL,
  item TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (t, idx, ih, ipk, isk, pk, sk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS purge_queue (uid INTEGER PRIMARY KEY);
-- Retention: per table, the last version (in commit order) that compaction has examined.
CREATE TABLE IF NOT EXISTS compaction_cursor (
  uid INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  h INTEGER NOT NULL,
  pk BLOB NOT NULL,
  sk BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;
