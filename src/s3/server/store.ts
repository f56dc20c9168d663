import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { link, open, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Server-side encryption recorded for an object (S3 encrypts everything; Strata records and echoes it). */
export interface SseSettings {
  algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

export interface ObjectChecksum {
  algorithm: string;
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

/** What a PUT (or CreateMultipartUpload) says about an object besides its bytes. */
export interface ObjectAttributes {
  contentType: string;
  /** Stored representation headers: cache-control, content-disposition, content-encoding, content-language, expires, x-amz-website-redirect-location. */
  headers: Record<string, string>;
  /** User metadata, names without the x-amz-meta- prefix, lower case. */
  metadata: Record<string, string>;
  sse: SseSettings;
  storageClass: string;
  /** URL-encoded tag set (k1=v1&k2=v2) or null. */
  tags: string | null;
}

export interface Segment {
  file: string;
  size: number;
}

export interface ObjectRecord extends ObjectAttributes {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  lastModifiedMs: number;
  segments: Segment[];
  /** Number of parts for multipart objects, null otherwise. */
  partsCount: number | null;
  checksum: ObjectChecksum | null;
}

export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModifiedMs: number;
  storageClass: string;
  checksumAlgorithm: string | null;
  checksumType: string | null;
}

export interface BucketRecord {
  name: string;
  owner: string;
  region: string;
  createdMs: number;
  /** Default encryption (PutBucketEncryption); null means S3's default, SSE-S3. */
  encryption: SseSettings | null;
  /** URL-encoded bucket tag set or null. */
  tags: string | null;
}

export interface UploadRecord extends ObjectAttributes {
  uploadId: string;
  bucket: string;
  key: string;
  owner: string;
  initiatedMs: number;
  checksumAlgorithm: string | null;
  checksumType: 'FULL_OBJECT' | 'COMPOSITE' | null;
}

export interface PartRecord {
  partNumber: number;
  size: number;
  etag: string;
  lastModifiedMs: number;
  file: string;
  checksum: string | null;
}

interface ObjectRow {
  bucket: string;
  key: Buffer;
  size: number;
  etag: string;
  last_modified: number;
  storage_class: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  checksum_value: string | null;
  attrs: string;
  segments: string;
  parts_count: number | null;
}

interface UploadRow {
  upload_id: string;
  bucket: string;
  key: Buffer;
  owner: string;
  initiated: number;
  attrs: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
}

interface PartRow {
  part_number: number;
  size: number;
  etag: string;
  last_modified: number;
  file: string;
  checksum: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  region TEXT NOT NULL,
  created INTEGER NOT NULL,
  encryption TEXT,
  tags TEXT
);
CREATE INDEX IF NOT EXISTS buckets_by_owner ON buckets(owner, name);
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL,
  key BLOB NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  storage_class TEXT NOT NULL,
  checksum_algorithm TEXT,
  checksum_type TEXT,
  checksum_value TEXT,
  attrs TEXT NOT NULL,
  segments TEXT NOT NULL,
  parts_count INTEGER,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key BLOB NOT NULL,
  owner TEXT NOT NULL,
  initiated INTEGER NOT NULL,
  attrs TEXT NOT NULL,
  checksum_algorithm TEXT,
  checksum_type TEXT
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads(bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  file TEXT NOT NULL,
  checksum TEXT,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
-- Blob files that must be deleted unless a committed row claims them: files being written (claimed when
-- their object or part commits) and files of replaced or deleted objects (deleted after the commit).
CREATE TABLE IF NOT EXISTS garbage (
  file TEXT PRIMARY KEY
) WITHOUT ROWID;
`;

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/**
 * The embedded bucket store: metadata in SQLite (WAL, synchronous=FULL), object bodies as immutable files
 * under objects/xx/<id>, written to tmp/ first, fsynced and renamed into place. A multipart object's bytes
 * are its part files in order (completion moves no data). Keys are stored as UTF-8 BLOBs so the primary-key
 * order is S3's listing order (UTF-8 byte order).
 */
export class S3Store {
  private readonly db: Database.Database;
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  private readonly st: Statements;
  private closed = false;

  constructor(readonly root: string) {
    this.objectsDir = join(root, 'objects');
    this.tmpDir = join(root, 'tmp');
    mkdirSync(root, { recursive: true });
    for (let i = 0; i < 256; i++) mkdirSync(join(this.objectsDir, i.toString(16).padStart(2, '0')), { recursive: true });
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
    this.db = new Database(join(root, 'meta.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.st = prepareStatements(this.db);
    this.collectGarbageAtStartup();
  }

  // ---- blobs ------------------------------------------------------------------------------------------

  blobPath(file: string): string {
    return join(this.objectsDir, file);
  }

  /**
   * Writes a body to a new immutable blob file: temp file, fsync, rename, fsync of the directory. The file
   * is recorded as garbage until a commit claims it, so a crash at any point leaks nothing.
   */
  async writeBlob(data: AsyncIterable<Buffer>): Promise<Segment> {
    const id = randomUUID().replace(/-/g, '');
    const file = `${id.slice(0, 2)}/${id}`;
    this.st.addGarbage.run(file);
    const tmp = join(this.tmpDir, id);
    const fh = await open(tmp, 'w');
    let size = 0;
    try {
      const pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async (): Promise<void> => {
        if (pendingBytes === 0) return;
        const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending.length = 0;
        pendingBytes = 0;
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await fh.write(buf, off, buf.length - off);
          off += bytesWritten;
        }
      };
      for await (const chunk of data) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        size += chunk.length;
        if (pendingBytes >= 1024 * 1024) await flush();
      }
      await flush();
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      this.st.claimGarbage.run(file);
      throw e;
    }
    await fh.close();
    const dest = this.blobPath(file);
    await rename(tmp, dest);
    await fsyncDir(join(this.objectsDir, id.slice(0, 2)));
    return { file, size };
  }

  /** Hard-links an existing blob under a new name (blobs are immutable, so copies can share bytes). */
  async linkBlob(file: string, size: number): Promise<Segment | null> {
    const id = randomUUID().replace(/-/g, '');
    const dest = `${id.slice(0, 2)}/${id}`;
    this.st.addGarbage.run(dest);
    try {
      await link(this.blobPath(file), this.blobPath(dest));
      await fsyncDir(join(this.objectsDir, id.slice(0, 2)));
      return { file: dest, size };
    } catch {
      this.st.claimGarbage.run(dest);
      return null;
    }
  }

  /** Deletes blobs that were written but will not be committed. */
  async discardBlobs(files: string[]): Promise<void> {
    await this.unlinkGarbage(files);
  }

  private async unlinkGarbage(files: string[]): Promise<void> {
    if (files.length === 0) return;
    await Promise.all(files.map((f) => unlink(this.blobPath(f)).catch(() => undefined)));
    if (this.closed) return;
    const tx = this.db.transaction((fs: string[]) => {
      for (const f of fs) this.st.claimGarbage.run(f);
    });
    tx(files);
  }

  private collectGarbageAtStartup(): void {
    const rows = this.st.allGarbage.all();
    for (const { file } of rows) {
      try {
        unlinkSync(this.blobPath(file));
      } catch {
        /* already gone */
      }
    }
    this.db.exec('DELETE FROM garbage');
  }

  // ---- buckets ----------------------------------------------------------------------------------------

  getBucket(name: string): BucketRecord | undefined {
    const r = this.st.getBucket.get(name);
    return r ? toBucket(r) : undefined;
  }

  /** Creates a bucket; returns the existing one instead when the name is taken. */
  createBucket(name: string, owner: string, region: string, nowMs: number): { created: boolean; bucket: BucketRecord } {
    return this.db.transaction(() => {
      const existing = this.getBucket(name);
      if (existing) return { created: false, bucket: existing };
      this.st.insertBucket.run(name, owner, region, nowMs);
      return { created: true, bucket: this.getBucket(name)! };
    })();
  }

  /** Deletes an empty bucket (aborting its multipart uploads); false when it still holds objects. */
  deleteBucket(name: string): boolean {
    const garbage: string[] = [];
    const ok = this.db.transaction(() => {
      if (this.st.anyObject.get(name)) return false;
      for (const { upload_id } of this.st.bucketUploadIds.all(name)) garbage.push(...this.dropUpload(upload_id));
      this.st.deleteBucket.run(name);
      return true;
    })();
    void this.unlinkGarbage(garbage);
    return ok;
  }

  listBuckets(owner: string, after: string, prefix: string, limit: number): BucketRecord[] {
    return this.st.listBuckets.all(owner, after, prefix, limit).filter((b) => b.name.startsWith(prefix)).map(toBucket);
  }

  setBucketEncryption(name: string, sse: SseSettings | null): void {
    this.st.setBucketEncryption.run(sse ? JSON.stringify(sse) : null, name);
  }

  setBucketTags(name: string, tags: string | null): void {
    this.st.setBucketTags.run(tags, name);
  }

  // ---- objects ----------------------------------------------------------------------------------------

  getObject(bucket: string, key: string): ObjectRecord | undefined {
    const r = this.st.getObject.get(bucket, utf8(key));
    return r ? toObject(r) : undefined;
  }

  /**
   * Commits an object whose segments were written with writeBlob. `check` runs inside the transaction with
   * the current object (conditional writes); if it throws, nothing changes and the new blobs are discarded.
   */
  async putObject(rec: ObjectRecord, check?: (existing: ObjectRecord | undefined) => void): Promise<void> {
    let old: string[] = [];
    try {
      old = this.db.transaction(() => {
        const existing = this.getObject(rec.bucket, rec.key);
        check?.(existing);
        if (!this.st.getBucket.get(rec.bucket)) throw new BucketVanished();
        this.writeObjectRow(rec);
        for (const s of rec.segments) this.st.claimGarbage.run(s.file);
        const stale = existing ? existing.segments.map((s) => s.file) : [];
        for (const f of stale) this.st.addGarbage.run(f);
        return stale;
      })();
    } catch (e) {
      await this.unlinkGarbage(rec.segments.map((s) => s.file));
      throw e;
    }
    await this.unlinkGarbage(old);
  }

  private writeObjectRow(rec: ObjectRecord): void {
    const attrs: ObjectAttributes = {
      contentType: rec.contentType,
      headers: rec.headers,
      metadata: rec.metadata,
      sse: rec.sse,
      storageClass: rec.storageClass,
      tags: rec.tags,
    };
    this.st.upsertObject.run({
      bucket: rec.bucket,
      key: utf8(rec.key),
      size: rec.size,
      etag: rec.etag,
      last_modified: rec.lastModifiedMs,
      storage_class: rec.storageClass,
      checksum_algorithm: rec.checksum?.algorithm ?? null,
      checksum_type: rec.checksum?.type ?? null,
      checksum_value: rec.checksum?.value ?? null,
      attrs: JSON.stringify(attrs),
      segments: JSON.stringify(rec.segments.map((s) => [s.file, s.size])),
      parts_count: rec.partsCount,
    });
  }

  setObjectTags(bucket: string, key: string, tags: string | null): boolean {
    return this.db.transaction(() => {
      const existing = this.getObject(bucket, key);
      if (!existing) return false;
      const attrs: ObjectAttributes = {
        contentType: existing.contentType,
        headers: existing.headers,
        metadata: existing.metadata,
        sse: existing.sse,
        storageClass: existing.storageClass,
        tags,
      };
      this.st.setObjectTags.run(JSON.stringify(attrs), bucket, utf8(key));
      return true;
    })();
  }

  /** Deletes an object if present; returns the deleted record. */
  async deleteObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const existing = this.db.transaction(() => {
      const e = this.getObject(bucket, key);
      if (!e) return undefined;
      this.st.deleteObject.run(bucket, utf8(key));
      for (const s of e.segments) this.st.addGarbage.run(s.file);
      return e;
    })();
    if (existing) await this.unlinkGarbage(existing.segments.map((s) => s.file));
    return existing;
  }

  /** Objects with lower <= key < upper (UTF-8 byte order), at most `limit`. */
  listObjects(bucket: string, lower: Buffer, upper: Buffer, limit: number): ObjectSummary[] {
    return this.st.listObjects.all(bucket, lower, upper, limit).map((r) => ({
      key: r.key.toString('utf8'),
      size: r.size,
      etag: r.etag,
      lastModifiedMs: r.last_modified,
      storageClass: r.storage_class,
      checksumAlgorithm: r.checksum_algorithm,
      checksumType: r.checksum_type,
    }));
  }

  // ---- multipart uploads ------------------------------------------------------------------------------

  createUpload(rec: Omit<UploadRecord, 'uploadId'>): UploadRecord {
    const uploadId = randomBytes(48).toString('base64url');
    const attrs: ObjectAttributes = {
      contentType: rec.contentType,
      headers: rec.headers,
      metadata: rec.metadata,
      sse: rec.sse,
      storageClass: rec.storageClass,
      tags: rec.tags,
    };
    this.st.insertUpload.run(uploadId, rec.bucket, utf8(rec.key), rec.owner, rec.initiatedMs, JSON.stringify(attrs), rec.checksumAlgorithm, rec.checksumType);
    return { ...rec, uploadId };
  }

  getUpload(uploadId: string): UploadRecord | undefined {
    const r = this.st.getUpload.get(uploadId);
    return r ? toUpload(r) : undefined;
  }

  /** Commits a part written with writeBlob; false (and the blob discarded) when the upload is gone. */
  async putPart(uploadId: string, part: PartRecord): Promise<boolean> {
    const result = this.db.transaction(() => {
      if (!this.st.getUpload.get(uploadId)) return null;
      const old = this.st.getPart.get(uploadId, part.partNumber);
      this.st.upsertPart.run(uploadId, part.partNumber, part.size, part.etag, part.lastModifiedMs, part.file, part.checksum);
      this.st.claimGarbage.run(part.file);
      if (old) this.st.addGarbage.run(old.file);
      return old ? [old.file] : [];
    })();
    if (result === null) {
      await this.unlinkGarbage([part.file]);
      return false;
    }
    await this.unlinkGarbage(result);
    return true;
  }

  listParts(uploadId: string, afterPart: number, limit: number): PartRecord[] {
    return this.st.listParts.all(uploadId, afterPart, limit).map(toPart);
  }

  allParts(uploadId: string): PartRecord[] {
    return this.st.allParts.all(uploadId).map(toPart);
  }

  /**
   * Completes an upload atomically: `build` runs in the transaction with the upload and its parts and
   * returns the object to commit (or throws an S3Error, changing nothing). Parts not used are deleted.
   */
  async completeUpload(
    uploadId: string,
    build: (upload: UploadRecord, parts: Map<number, PartRecord>, existing: (bucket: string, key: string) => ObjectRecord | undefined) => ObjectRecord,
  ): Promise<ObjectRecord | undefined> {
    const result = this.db.transaction(() => {
      const upload = this.getUpload(uploadId);
      if (!upload) return undefined;
      const parts = new Map(this.allParts(uploadId).map((p) => [p.partNumber, p]));
      const rec = build(upload, parts, (b, k) => this.getObject(b, k));
      const existing = this.getObject(rec.bucket, rec.key);
      this.writeObjectRow(rec);
      const used = new Set(rec.segments.map((s) => s.file));
      const garbage: string[] = [];
      for (const p of parts.values()) if (!used.has(p.file)) garbage.push(p.file);
      if (existing) garbage.push(...existing.segments.map((s) => s.file).filter((f) => !used.has(f)));
      for (const f of garbage) this.st.addGarbage.run(f);
      this.st.deleteParts.run(uploadId);
      this.st.deleteUpload.run(uploadId);
      return { rec, garbage };
    })();
    if (!result) return undefined;
    await this.unlinkGarbage(result.garbage);
    return result.rec;
  }

  /** Aborts an upload, deleting its parts; false when there is no such upload. */
  async abortUpload(uploadId: string): Promise<boolean> {
    const garbage = this.db.transaction(() => {
      if (!this.st.getUpload.get(uploadId)) return null;
      return this.dropUpload(uploadId);
    })();
    if (garbage === null) return false;
    await this.unlinkGarbage(garbage);
    return true;
  }

  private dropUpload(uploadId: string): string[] {
    const files = this.st.allParts.all(uploadId).map((p) => p.file);
    for (const f of files) this.st.addGarbage.run(f);
    this.st.deleteParts.run(uploadId);
    this.st.deleteUpload.run(uploadId);
    return files;
  }

  /** Uploads with lower <= key < upper, after (keyMarker, uploadIdMarker), ordered by key then initiation. */
  listUploads(bucket: string, lower: Buffer, upper: Buffer, keyMarker: Buffer, uploadIdMarker: string, limit: number): UploadRecord[] {
    return this.st.listUploads.all(bucket, lower, upper, keyMarker, keyMarker, uploadIdMarker === '' ? '\uffff' : uploadIdMarker, limit).map(toUpload);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}


function prepareStatements(db: Database.Database) {
  return {
      getBucket: db.prepare<[string], { name: string; owner: string; region: string; created: number; encryption: string | null; tags: string | null }>(
        'SELECT * FROM buckets WHERE name = ?',
      ),
      insertBucket: db.prepare('INSERT INTO buckets(name, owner, region, created, encryption, tags) VALUES (?, ?, ?, ?, NULL, NULL)'),
      deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
      setBucketEncryption: db.prepare('UPDATE buckets SET encryption = ? WHERE name = ?'),
      setBucketTags: db.prepare('UPDATE buckets SET tags = ? WHERE name = ?'),
      listBuckets: db.prepare<[string, string, string, number], { name: string; owner: string; region: string; created: number; encryption: string | null; tags: string | null }>(
        'SELECT * FROM buckets WHERE owner = ? AND name > ? AND name >= ? ORDER BY name LIMIT ?',
      ),
      anyObject: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM objects WHERE bucket = ? LIMIT 1'),
      getObject: db.prepare<[string, Buffer], ObjectRow>('SELECT * FROM objects WHERE bucket = ? AND key = ?'),
      upsertObject: db.prepare(
        `INSERT INTO objects(bucket, key, size, etag, last_modified, storage_class, checksum_algorithm, checksum_type, checksum_value, attrs, segments, parts_count)
         VALUES (@bucket, @key, @size, @etag, @last_modified, @storage_class, @checksum_algorithm, @checksum_type, @checksum_value, @attrs, @segments, @parts_count)
         ON CONFLICT(bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag, last_modified = excluded.last_modified,
           storage_class = excluded.storage_class, checksum_algorithm = excluded.checksum_algorithm, checksum_type = excluded.checksum_type,
           checksum_value = excluded.checksum_value, attrs = excluded.attrs, segments = excluded.segments, parts_count = excluded.parts_count`,
      ),
      setObjectTags: db.prepare('UPDATE objects SET attrs = ? WHERE bucket = ? AND key = ?'),
      deleteObject: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?'),
      listObjects: db.prepare<[string, Buffer, Buffer, number], { key: Buffer; size: number; etag: string; last_modified: number; storage_class: string; checksum_algorithm: string | null; checksum_type: string | null }>(
        `SELECT key, size, etag, last_modified, storage_class, checksum_algorithm, checksum_type FROM objects
         WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`,
      ),
      insertUpload: db.prepare(
        'INSERT INTO uploads(upload_id, bucket, key, owner, initiated, attrs, checksum_algorithm, checksum_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      getUpload: db.prepare<[string], UploadRow>('SELECT * FROM uploads WHERE upload_id = ?'),
      deleteUpload: db.prepare('DELETE FROM uploads WHERE upload_id = ?'),
      bucketUploadIds: db.prepare<[string], { upload_id: string }>('SELECT upload_id FROM uploads WHERE bucket = ?'),
      listUploads: db.prepare<[string, Buffer, Buffer, Buffer, Buffer, string, number], UploadRow>(
        `SELECT * FROM uploads WHERE bucket = ? AND key >= ? AND key < ? AND (key > ? OR (key = ? AND upload_id > ?))
         ORDER BY key, upload_id LIMIT ?`,
      ),
      getPart: db.prepare<[string, number], PartRow>('SELECT * FROM parts WHERE upload_id = ? AND part_number = ?'),
      upsertPart: db.prepare(
        `INSERT INTO parts(upload_id, part_number, size, etag, last_modified, file, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           last_modified = excluded.last_modified, file = excluded.file, checksum = excluded.checksum`,
      ),
      listParts: db.prepare<[string, number, number], PartRow>(
        'SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?',
      ),
      allParts: db.prepare<[string], PartRow>('SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number'),
      deleteParts: db.prepare('DELETE FROM parts WHERE upload_id = ?'),
      addGarbage: db.prepare('INSERT OR IGNORE INTO garbage(file) VALUES (?)'),
      claimGarbage: db.prepare('DELETE FROM garbage WHERE file = ?'),
      allGarbage: db.prepare<[], { file: string }>('SELECT file FROM garbage'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/** Thrown when a bucket is deleted while an object was being written into it. */
export class BucketVanished extends Error {}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function toBucket(r: { name: string; owner: string; region: string; created: number; encryption: string | null; tags: string | null }): BucketRecord {
  return {
    name: r.name,
    owner: r.owner,
    region: r.region,
    createdMs: r.created,
    encryption: r.encryption ? (JSON.parse(r.encryption) as SseSettings) : null,
    tags: r.tags,
  };
}

function toObject(r: ObjectRow): ObjectRecord {
  const attrs = JSON.parse(r.attrs) as ObjectAttributes;
  const segments = (JSON.parse(r.segments) as Array<[string, number]>).map(([file, size]) => ({ file, size }));
  return {
    ...attrs,
    bucket: r.bucket,
    key: r.key.toString('utf8'),
    size: r.size,
    etag: r.etag,
    lastModifiedMs: r.last_modified,
    storageClass: r.storage_class,
    segments,
    partsCount: r.parts_count,
    checksum:
      r.checksum_algorithm && r.checksum_value
        ? { algorithm: r.checksum_algorithm, value: r.checksum_value, type: (r.checksum_type ?? 'FULL_OBJECT') as ObjectChecksum['type'] }
        : null,
  };
}

function toUpload(r: UploadRow): UploadRecord {
  const attrs = JSON.parse(r.attrs) as ObjectAttributes;
  return {
    ...attrs,
    uploadId: r.upload_id,
    bucket: r.bucket,
    key: r.key.toString('utf8'),
    owner: r.owner,
    initiatedMs: r.initiated,
    checksumAlgorithm: r.checksum_algorithm,
    checksumType: (r.checksum_type as UploadRecord['checksumType']) ?? null,
  };
}

function toPart(r: PartRow): PartRecord {
  return { partNumber: r.part_number, size: r.size, etag: r.etag, lastModifiedMs: r.last_modified, file: r.file, checksum: r.checksum };
}
