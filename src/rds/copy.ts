/**
 * Copies tables out of a consistent read session as Parquet parts: each table is split into partitions
 * (PostgreSQL ctid ranges), partitions are read by up to `session.parallelism` readers at once, and each
 * partition becomes one or more files of about `maxPartBytes` of values.
 */
import type { Readable } from 'node:stream';
import type { Canonical } from './arrow-batch.js';
import { writeParts, type PartFile } from './parquet-writer.js';
import type { PartitionPlan, ReadSession } from './sources/source.js';
import type { TableSpec } from './types.js';

export interface CopiedTable {
  spec: TableSpec;
  parts: PartFile[];
  partitions: PartitionPlan[];
  startedAt: number;
  endedAt: number;
}

export interface CopyOptions {
  maxPartBytes: number;
  /** Stores one part's bytes; resolves when durable. */
  target: (t: TableSpec, index: number, body: Readable) => Promise<void>;
  onProgress?: (rawBytes: number) => void;
  /** Checked between chunks: true stops the copy with a CopyCancelled. */
  cancelled?: () => boolean;
  /** Test hook: pause between chunks (ms). */
  chunkDelayMs?: number;
}

export class CopyCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export async function copyTables(session: ReadSession, tables: TableSpec[], opts: CopyOptions): Promise<CopiedTable[]> {
  const copied = tables.map((spec) => ({ spec, parts: [] as PartFile[], partitions: session.partitions(spec, opts.maxPartBytes), startedAt: 0, endedAt: 0, left: 0, next: 0 }));
  const work: { t: (typeof copied)[number]; p: PartitionPlan }[] = [];
  for (const t of copied) {
    t.left = t.partitions.length;
    for (const p of t.partitions) work.push({ t, p });
  }
  let at = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (at < work.length && failed === undefined) {
      const { t, p } = work[at++]!;
      if (t.startedAt === 0) t.startedAt = Date.now();
      const rows = session.read(t.spec, p);
      try {
        const parts = await writeParts(guarded(rows, opts), t.spec.columns, {
          maxPartBytes: opts.maxPartBytes,
          nextIndex: () => t.next++,
          target: (index, body) => opts.target(t.spec, index, body),
          onBatch: (_n, bytes) => opts.onProgress?.(bytes),
        });
        t.parts.push(...parts);
      } catch (e) {
        failed ??= e;
      } finally {
        await rows.return(undefined).catch(() => undefined);
      }
      if (--t.left === 0) t.endedAt = Date.now();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(session.parallelism, work.length)) }, worker));
  if (failed !== undefined) throw failed;
  return copied.map(({ spec, parts, partitions, startedAt, endedAt }) => ({
    spec, parts: parts.sort((a, b) => a.index - b.index), partitions, startedAt: startedAt || Date.now(), endedAt: endedAt || Date.now(),
  }));
}

async function* guarded(rows: AsyncGenerator<Canonical[][]>, opts: CopyOptions): AsyncGenerator<Canonical[][]> {
  for await (const chunk of rows) {
    if (opts.cancelled?.()) throw new CopyCancelled();
    yield chunk;
    if (opts.chunkDelayMs) await new Promise((r) => setTimeout(r, opts.chunkDelayMs));
  }
  if (opts.cancelled?.()) throw new CopyCancelled();
}
