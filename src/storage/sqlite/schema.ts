/**
 * The embedded schema. Kept to portable SQL (row values, WITHOUT ROWID and the trigger aside) so it maps
 * onto PostgreSQL. STORAGE_LAYOUT names it in `meta`; a file of another layout is refused at open.
 */
export const STORAGE_LAYOUT = '2';
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
-- Item images, appended in commit order (the rowid grows): the images of one write batch share a few
-- dense pages, and a rowid table keeps a row of up to ~4 KB on its page even with 4 KB pages.
CREATE TABLE IF NOT EXISTS images (
  id INTEGER PRIMARY KEY,
  item TEXT NOT NULL
);
-- The version log: one row per write, ordered by key then commit time, pointing at its image;
-- image NULL is a tombstone. Small rows, so a write rewrites a small page, not a page of whole items.
CREATE TABLE IF NOT EXISTS versions (
  t INTEGER NOT NULL,
  h INTEGER NOT NULL,
  pk BLOB NOT NULL,
  sk BLOB NOT NULL,
  ts INTEGER NOT NULL,
  image INTEGER,
  size INTEGER NOT NULL,
  -- 1 when the key had no version before this one: retention has nothing older to delete for it.
  fresh INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (t, h, pk, sk, ts)
) WITHOUT ROWID;
-- An image lives exactly as long as its version (retention, purge of a deleted table).
CREATE TRIGGER IF NOT EXISTS versions_drop_image AFTER DELETE ON versions WHEN old.image IS NOT NULL
BEGIN
  DELETE FROM images WHERE id = old.image;
END;
-- Serves incremental exports ([T1, T2) in commit order) and retention, which reads only this index
-- (fresh and image in it; (ts, h, pk, sk) is unique, so they do not change its order).
CREATE INDEX IF NOT EXISTS versions_by_ts ON versions (t, ts, h, pk, sk, fresh, image);
-- Secondary indexes: derived from current images, never versioned; projected images in \`images\` too.
CREATE TABLE IF NOT EXISTS index_entries (
  t INTEGER NOT NULL,
  idx TEXT NOT NULL,
  ih INTEGER NOT NULL,
  ipk BLOB NOT NULL,
  isk BLOB NOT NULL,
  h INTEGER NOT NULL,
  pk BLOB NOT NULL,
  sk BLOB NOT NULL,
  image INTEGER NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (t, idx, ih, ipk, isk, pk, sk)
) WITHOUT ROWID;
-- Fires for INSERT OR REPLACE too (recursive_triggers is on).
CREATE TRIGGER IF NOT EXISTS index_entries_drop_image AFTER DELETE ON index_entries
BEGIN
  DELETE FROM images WHERE id = old.image;
END;
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
