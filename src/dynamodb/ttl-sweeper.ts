import type { Position } from '../storage/store.js';
import { itemWrite, parsedItem } from './items.js';
import { wireKey } from './keys.js';
import type { DynamoService, LoadedTable } from './service.js';
import { tableKeyShape } from './table-state.js';
import type { Item } from './types.js';

const CHUNK = 500;
/** AWS ignores TTL values more than five years in the past. */
const FIVE_YEARS_S = 5 * 365 * 24 * 3600;

export function isExpired(item: Item | undefined, attribute: string, nowS: number): boolean {
  const v = item?.[attribute];
  if (!v || !('N' in v)) return false;
  const at = Number(v.N);
  return at <= nowS && at >= nowS - FIVE_YEARS_S;
}

/**
 * Deletes expired items in the background, a chunk at a time per table, each delete a version like
 * any other (so PITR and incremental exports see it). The condition is re-checked inside the write.
 */
export class TtlSweeper {
  private timer: NodeJS.Timeout | undefined;
  private readonly cursors = new Map<number, Position | undefined>();

  constructor(private readonly svc: DynamoService, private readonly intervalMs: number) {}

  start(): void {
    const tick = (): void => {
      try {
        this.sweepOnce();
      } catch (e) {
        console.error('ttl sweep failed:', e);
      }
      this.timer = setTimeout(tick, this.intervalMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** One chunk per TTL-enabled table; returns how many items expired. */
  sweepOnce(): number {
    let deleted = 0;
    for (const stored of this.svc.store.allTables()) {
      const t = this.svc.loadByUid(stored.uid);
      if (!t || t.state.TimeToLive.TimeToLiveStatus !== 'ENABLED') continue;
      deleted += this.sweepTable(t, t.state.TimeToLive.AttributeName!);
    }
    return deleted;
  }

  private sweepTable(t: LoadedTable, attribute: string): number {
    const nowS = this.svc.clock.nowMillis() / 1000;
    const page = this.svc.store.readRange({ table: t.uid, forward: true, after: this.cursors.get(t.uid), limit: CHUNK });
    const last = page.items[page.items.length - 1];
    this.cursors.set(t.uid, page.truncated && last ? { h: last.h, pk: last.pk, sk: last.sk } : undefined);
    const shape = tableKeyShape(t.state);
    let deleted = 0;
    for (const row of page.items) {
      if (!isExpired(parsedItem(row), attribute, nowS)) continue;
      const ref = { table: t.uid, h: row.h, pk: row.pk, sk: row.sk };
      this.svc.store.mutate([ref], ([cur]) => {
        const old = parsedItem(cur);
        if (!isExpired(old, attribute, this.svc.clock.nowMillis() / 1000)) return { writes: [], result: undefined };
        deleted++;
        return { writes: [itemWrite(t, wireKey(row, shape), old, undefined)], result: undefined };
      });
    }
    return deleted;
  }
}
