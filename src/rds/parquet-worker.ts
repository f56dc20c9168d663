/**
 * An encoder thread (parquet-encoder-pool.ts): turns the column batches the main thread sends into Parquet
 * bytes with parquet-wasm, for any number of files at once. Everything is pulled: the thread asks for a batch
 * when the writer wants one (`pull`), and sends a chunk of Parquet only when the main thread asked for one
 * (`read`), so backpressure crosses the thread boundary both ways.
 *
 *   main → worker: open {id, columns} | batch {id, batch} | end {id} | read {id} | abort {id}
 *   worker → main: pull {id} | data {id, chunk} | done {id} | error {id, message}
 */
import { parentPort } from 'node:worker_threads';
import type { ColumnBatch } from './arrow-batch.js';
import { parquetStream } from './parquet-encode.js';
import type { ColumnSpec } from './types.js';

export type ToWorker =
  | { type: 'open'; id: number; columns: ColumnSpec[] }
  | { type: 'batch'; id: number; batch: ColumnBatch }
  | { type: 'end'; id: number }
  | { type: 'read'; id: number }
  | { type: 'abort'; id: number };

export type FromWorker =
  | { type: 'pull'; id: number }
  | { type: 'data'; id: number; chunk: Uint8Array }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string };

class Aborted extends Error {}

interface Job {
  batch?: { resolve: (b: ColumnBatch | null) => void; reject: (e: unknown) => void };
  credits: number;
  wantCredit?: () => void;
  aborted: boolean;
}

const jobs = new Map<number, Job>();
const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

async function run(id: number, columns: ColumnSpec[], job: Job): Promise<void> {
  const out = parquetStream(columns, () => {
    if (job.aborted) return Promise.reject(new Aborted());
    return new Promise<ColumnBatch | null>((resolve, reject) => {
      job.batch = { resolve, reject };
      post({ type: 'pull', id });
    });
  });
  try {
    for (;;) {
      while (job.credits === 0 && !job.aborted) await new Promise<void>((r) => (job.wantCredit = r));
      if (job.aborted) throw new Aborted();
      const { done, value } = await out.next();
      if (done) break;
      job.credits--;
      // A chunk of its own (never a view of WASM memory), moved rather than copied to the main thread.
      const chunk = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
      post({ type: 'data', id, chunk }, [chunk.buffer as ArrayBuffer]);
    }
  } catch (e) {
    await out.return(undefined).catch(() => undefined);
    throw e;
  }
  post({ type: 'done', id });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'open': {
      const job: Job = { credits: 0, aborted: false };
      jobs.set(m.id, job);
      run(m.id, m.columns, job)
        .catch((e: unknown) => {
          if (!(e instanceof Aborted)) post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
        })
        .finally(() => jobs.delete(m.id));
      break;
    }
    case 'batch':
    case 'end': {
      const job = jobs.get(m.id);
      const waiting = job?.batch;
      if (!waiting) break;
      job.batch = undefined;
      waiting.resolve(m.type === 'batch' ? m.batch : null);
      break;
    }
    case 'read': {
      const job = jobs.get(m.id);
      if (!job) break;
      job.credits++;
      job.wantCredit?.();
      job.wantCredit = undefined;
      break;
    }
    case 'abort': {
      const job = jobs.get(m.id);
      if (!job) break;
      job.aborted = true;
      job.batch?.reject(new Aborted());
      job.batch = undefined;
      job.wantCredit?.();
      job.wantCredit = undefined;
      break;
    }
  }
});
