/**
 * Parquet encoding on worker threads (parquet-worker.ts): the main thread keeps reading the databases (and
 * serving requests) while Arrow IPC, parquet-wasm and GZIP run on other cores. Each file being written is a
 * job on the least busy worker; batches move to the worker and Parquet bytes back without copies (transferred
 * ArrayBuffers), one at a time on request, so memory stays bounded as with in-thread encoding.
 *
 * Workers start on first use and stop after a while without work (their WASM memory goes with them).
 */
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { batchBuffers, type ColumnBatch } from './arrow-batch.js';
import type { ParquetEncoder } from './parquet-writer.js';
import type { FromWorker, ToWorker } from './parquet-worker.js';
import type { ColumnSpec } from './types.js';

interface Job {
  body: Readable;
  pull: () => Promise<ColumnBatch | null>;
  finished: boolean;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  idle?: NodeJS.Timeout;
  dead: boolean;
}

/** Encoder threads by default: one per core, at most 4 (STRATA_RDS_ENCODERS overrides; 0 encodes in-thread). */
export function defaultEncoderThreads(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.STRATA_RDS_ENCODERS;
  if (set !== undefined && set !== '') {
    const n = Number(set);
    if (!Number.isInteger(n) || n < 0) throw new Error(`STRATA_RDS_ENCODERS must be a whole number (0 = encode on the main thread), not "${set}"`);
    return n;
  }
  return Math.min(4, availableParallelism());
}

export class ParquetEncoderPool implements ParquetEncoder {
  private readonly slots: Slot[] = [];
  private seq = 0;
  private closed = false;

  constructor(private readonly size: number, private readonly idleMs = 30_000) {
    if (size < 1) throw new Error('an encoder pool needs at least one thread');
  }

  encode(columns: ColumnSpec[], pull: () => Promise<ColumnBatch | null>): Readable {
    const id = ++this.seq;
    if (this.closed) return Readable.from([]).destroy(new Error('the encoder pool is closed'));
    const slot = this.pick();
    const send = (m: ToWorker, transfer: ArrayBuffer[] = []): void => {
      if (!slot.dead) slot.worker.postMessage(m, transfer);
    };
    const job: Job = {
      pull,
      finished: false,
      body: new Readable({
        read: () => send({ type: 'read', id }),
        destroy: (err, cb) => {
          if (!job.finished) {
            job.finished = true;
            send({ type: 'abort', id });
          }
          this.forget(slot, id);
          cb(err);
        },
      }),
    };
    slot.jobs.set(id, job);
    clearTimeout(slot.idle);
    slot.idle = undefined;
    slot.worker.ref();
    send({ type: 'open', id, columns });
    return job.body;
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const s of slots) {
      clearTimeout(s.idle);
      s.dead = true;
      for (const j of s.jobs.values()) j.body.destroy(new Error('the encoder pool is closed'));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pick(): Slot {
    const live = this.slots.filter((s) => !s.dead);
    const best = live.reduce<Slot | undefined>((a, s) => (a && a.jobs.size <= s.jobs.size ? a : s), undefined);
    if (best && (best.jobs.size === 0 || live.length >= this.size)) return best;
    return this.spawn();
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./parquet-worker.js', import.meta.url));
    const slot: Slot = { worker, jobs: new Map(), dead: false };
    this.slots.push(slot);
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    const fail = (e: Error): void => {
      if (slot.dead) return;
      slot.dead = true;
      this.slots.splice(this.slots.indexOf(slot), 1);
      clearTimeout(slot.idle);
      for (const j of [...slot.jobs.values()]) {
        j.finished = true;
        j.body.destroy(e);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`parquet encoder thread exited (${code})`)));
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const job = slot.jobs.get(m.id);
    if (!job || job.finished) return;
    switch (m.type) {
      case 'pull':
        void this.feed(slot, m.id, job);
        break;
      case 'data':
        job.body.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
        break;
      case 'done':
        job.finished = true;
        job.body.push(null);
        this.forget(slot, m.id);
        break;
      case 'error':
        job.finished = true;
        job.body.destroy(new Error(m.message));
        break;
    }
  }

  /** Hands the worker the next batch of a job (moved, not copied), or tells it the batches are over. */
  private async feed(slot: Slot, id: number, job: Job): Promise<void> {
    try {
      const b = await job.pull();
      if (job.finished || slot.dead) return;
      if (b) slot.worker.postMessage({ type: 'batch', id, batch: b } satisfies ToWorker, batchBuffers(b));
      else slot.worker.postMessage({ type: 'end', id } satisfies ToWorker);
    } catch (e) {
      job.body.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private forget(slot: Slot, id: number): void {
    if (!slot.jobs.delete(id) || slot.jobs.size > 0 || slot.dead) return;
    slot.worker.unref();
    slot.idle = setTimeout(() => {
      if (slot.jobs.size > 0 || slot.dead) return;
      slot.dead = true;
      this.slots.splice(this.slots.indexOf(slot), 1);
      void slot.worker.terminate();
    }, this.idleMs);
    slot.idle.unref();
  }
}
