import type { TableState } from '../dynamodb/table-state.js';
import type { PitrService } from './pitr-service.js';

/** Versions examined per table per step: one short transaction, so writes are never held up for long. */
const CHUNK = 2000;

export interface RetentionTotals {
  examined: number;
  deleted: number;
}

/**
 * Retention: history older than what a table can still be restored to is compacted away, a chunk at a
 * time, so storage stays proportional to live data plus the changes inside the window.
 *
 * The cutoff of a table is its EarliestRestorableDateTime when PITR is on, and now when it is off (AWS
 * discards the history of a table whose PITR is disabled; its current items are all that is kept), never
 * later than a pinned time (a restore or an export still reading). Each version older than the cutoff is
 * examined once, in commit order from a persisted cursor (the versions-by-timestamp index), so the work
 * follows the writes, not the size of the table.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private running = false;

  constructor(private readonly pitr: PitrService, private readonly intervalMs: number) {}

  start(): void {
    this.running = true;
    this.schedule(this.intervalMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** Looks for work now rather than at the next tick (after time travel, a PITR change, a released pin). */
  kick(): void {
    if (this.running && !this.immediate) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule(0);
    }
  }

  private schedule(delayMs: number): void {
    const run = (): void => {
      this.timer = undefined;
      this.immediate = undefined;
      if (!this.running) return;
      let more = false;
      try {
        more = this.step().more;
      } catch (e) {
        console.error('retention step failed:', e);
      }
      if (!this.running) return;
      // More to do: continue after pending I/O (requests interleave between chunks); else wait a tick.
      if (more) this.immediate = setImmediate(run);
      else {
        this.timer = setTimeout(run, this.intervalMs);
        this.timer.unref();
      }
    };
    if (delayMs === 0) this.immediate = setImmediate(run);
    else {
      this.timer = setTimeout(run, delayMs);
      this.timer.unref();
    }
  }

  /** The commit timestamp before which a table's history is not needed. */
  cutoff(uid: number, state: TableState, nowMicros: number): number {
    const w = this.pitr.window(state, nowMicros);
    let cutoff = w ? w.earliestMicros : nowMicros;
    const pinned = this.pitr.pinnedFrom(uid);
    if (pinned !== undefined && pinned < cutoff) cutoff = pinned;
    return cutoff;
  }

  /** One chunk for every table; `more` when some table has more to examine. */
  step(): RetentionTotals & { more: boolean } {
    const store = this.pitr.svc.store;
    // Fenced: a commit after this step is strictly newer than its cutoffs even if the wall clock steps
    // back, so nothing is ever written below a point compaction has already passed.
    const clock = this.pitr.svc.clock;
    const now = clock.nowMicros();
    clock.observe(now);
    const totals = { examined: 0, deleted: 0, more: false };
    for (const stored of store.allTables()) {
      const state = JSON.parse(stored.state) as TableState;
      const r = store.compactVersions(stored.uid, this.cutoff(stored.uid, state, now), CHUNK);
      totals.examined += r.examined;
      totals.deleted += r.deleted;
      if (!r.done) totals.more = true;
    }
    return totals;
  }

  /** Compacts until nothing older than the cutoffs is left unexamined (the admin endpoint, tests). */
  runToCompletion(): RetentionTotals {
    const totals = { examined: 0, deleted: 0 };
    for (;;) {
      const r = this.step();
      totals.examined += r.examined;
      totals.deleted += r.deleted;
      if (!r.more) return totals;
    }
  }
}
