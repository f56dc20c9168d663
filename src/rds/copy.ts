/**
 * Copies tables out of a consistent read session as Parquet parts: each table is split into partitions
 * (PostgreSQL ctid ranges, table partitions), partitions are read by up to `session.parallelism` readers at once,
 * and each partition becomes one or more files of about `maxPartBytes` of values, numbered into AWS's batch
 * folders (spec 3.3; see PartitionPlan).
 */
import type { Readable } from 'node:stream';
import type { ColumnBatch } from './arrow-batch.js';
import { writeParts, type ParquetEncoder, type PartFile } from './parquet-writer.js';
import type { PartitionPlan, ReadSession } from './sources/source.js';
import type { TableSpec } from './types.js';

export interface CopiedTable {
  spec: TableSpec;
  /** Values exported as NULL for want of a Parquet equivalent (ReadSession.nulled). */
  nulled?: number;
  parts: PartFile[];
  partitions: PartitionPlan[];
  startedAt: number;
  endedAt: number;
}

export interface CopyOptions {
  maxPartBytes: number;
  /** Stores one part's bytes; resolves when durable. */
  target: (t: TableSpec, part: { batch: number; index: number }, body: Readable) => Promise<void>;
  /** After every batch and every finished partition. */
  onProgress?: (p: CopyProgress) => void;
  /** Checked between chunks: true stops the copy with a CopyCancelled. */
  cancelled?: () => boolean;
  /** Test hook: pause between chunks (ms). */
  chunkDelayMs?: number;
  /** Where Parquet is encoded (default: this thread). */
  encoder?: ParquetEncoder;
}

export class CopyCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

interface TableProgress {
  weight: number;
  rows: number;
  bytes: number;
  partitions: number;
  partitionsDone: number;
}

/**
 * How far a copy is. The catalog's statistics give each table an estimated row count (PostgreSQL reltuples,
 * MySQL TABLE_ROWS) and size; a table's share done is its rows read over its estimate (bytes of values over its
 * size when the database has no estimate), at least its share of finished partitions and below 1 until it is
 * finished; the copy's is the tables' shares weighted by size.
 */
export class CopyProgress {
  /** Rows and bytes of values read so far. */
  rows = 0;
  bytes = 0;
  private readonly tables = new Map<TableSpec, TableProgress>();
  private readonly totalWeight: number;

  constructor(tables: { spec: TableSpec; partitions: number }[]) {
    let total = 0;
    for (const t of tables) {
      const weight = Math.max(8192, t.spec.estimatedBytes);
      total += weight;
      this.tables.set(t.spec, { weight, rows: 0, bytes: 0, partitions: Math.max(1, t.partitions), partitionsDone: 0 });
    }
    this.totalWeight = total;
  }

  add(t: TableSpec, rows: number, bytes: number): void {
    const p = this.tables.get(t)!;
    p.rows += rows;
    p.bytes += bytes;
    this.rows += rows;
    this.bytes += bytes;
  }

  partitionDone(t: TableSpec): void {
    this.tables.get(t)!.partitionsDone++;
  }

  /** 0..1; 1 only once every table is finished. */
  get fraction(): number {
    if (this.totalWeight === 0) return 1;
    let done = 0;
    for (const [spec, p] of this.tables) done += p.weight * tableShare(spec, p);
    return done / this.totalWeight;
  }
}

function tableShare(t: TableSpec, p: TableProgress): number {
  if (p.partitionsDone >= p.partitions) return 1;
  const rows = t.estimatedRows ?? 0;
  const estimate = rows > 0 ? p.rows / rows : t.estimatedBytes > 0 ? p.bytes / t.estimatedBytes : 0;
  return Math.max(Math.min(estimate, 0.99), p.partitionsDone / p.partitions);
}

/** PercentProgress of a fraction: 0..99 until the work is complete (100 is set by whoever completes it). */
export function percentOf(fraction: number): number {
  return Math.max(0, Math.min(99, Math.floor(fraction * 100)));
}

export async function copyTables(session: ReadSession, tables: TableSpec[], opts: CopyOptions): Promise<CopiedTable[]> {
  const copied = tables.map((spec) => ({
    spec, parts: [] as PartFile[], partitions: session.partitions(spec, opts.maxPartBytes), startedAt: 0, endedAt: 0, left: 0,
    /** Next part number per batch folder, and the last batch a sequential piece opened. */
    next: new Map<number, number>(), lastBatch: 0,
  }));
  const progress = new CopyProgress(copied.map((t) => ({ spec: t.spec, partitions: t.partitions.length })));
  const work: { t: (typeof copied)[number]; p: PartitionPlan }[] = [];
  for (const t of copied) {
    t.left = t.partitions.length;
    t.lastBatch = Math.max(0, ...t.partitions.map((p) => p.batch ?? (p.sequential ? 0 : 1)));
    for (const p of t.partitions) work.push({ t, p });
  }
  let at = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (at < work.length && failed === undefined) {
      const { t, p } = work[at++]!;
      if (t.startedAt === 0) t.startedAt = Date.now();
      const batches = session.read(t.spec, p);
      const nextPart = (): { batch: number; index: number } => {
        if (p.sequential) return { batch: ++t.lastBatch, index: 0 };
        const batch = p.batch ?? 1;
        const index = t.next.get(batch) ?? 0;
        t.next.set(batch, index + 1);
        return { batch, index };
      };
      try {
        const parts = await writeParts(guarded(batches, opts), t.spec.columns, {
          maxPartBytes: opts.maxPartBytes,
          nextPart,
          target: (part, body) => opts.target(t.spec, part, body),
          onBatch: (rows, bytes) => {
            progress.add(t.spec, rows, bytes);
            opts.onProgress?.(progress);
          },
          encoder: opts.encoder,
        });
        t.parts.push(...parts);
        progress.partitionDone(t.spec);
        opts.onProgress?.(progress);
      } catch (e) {
        failed ??= e;
      } finally {
        await batches.return(undefined).catch(() => undefined);
      }
      if (--t.left === 0) t.endedAt = Date.now();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(session.parallelism, work.length)) }, worker));
  if (failed !== undefined) throw failed;
  return copied.map(({ spec, parts, partitions, startedAt, endedAt }) => ({
    spec, nulled: session.nulled?.(spec) ?? 0, parts: parts.sort((a, b) => a.batch - b.batch || a.index - b.index), partitions, startedAt: startedAt || Date.now(), endedAt: endedAt || Date.now(),
  }));
}

async function* guarded(batches: AsyncGenerator<ColumnBatch>, opts: CopyOptions): AsyncGenerator<ColumnBatch> {
  for await (const b of batches) {
    if (opts.cancelled?.()) throw new CopyCancelled();
    yield b;
    if (opts.chunkDelayMs) await new Promise((r) => setTimeout(r, opts.chunkDelayMs));
  }
  if (opts.cancelled?.()) throw new CopyCancelled();
}
