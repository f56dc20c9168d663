import type { DynamoService } from '../dynamodb/service.js';
import type { TableState } from '../dynamodb/table-state.js';
import { Restorer } from './restore.js';
import { Retention } from './retention.js';
import { pitrWindow, reportedWindow, type PitrWindow, type ReportedWindow } from './window.js';

export interface PitrOptions {
  /** How far LatestRestorableDateTime trails now (AWS: about five minutes; 0 = now exactly). */
  lagSeconds: number;
  /** How often retention looks for history older than the windows (default 1 s). */
  retentionIntervalMs?: number;
}

/** The window of a PITR-enabled table, in microseconds and as the wire reports it. */
export interface TableWindow extends PitrWindow, ReportedWindow {}

const CLOCK_OFFSET_KEY = 'clock.offsetSeconds';
const CLOCK_FENCE_KEY = 'clock.fenceMicros';

const registry = new WeakMap<DynamoService, PitrService>();

/** The PITR service wired to a DynamoService (operations receive only the DynamoService). */
export function pitrOf(svc: DynamoService): PitrService {
  const p = registry.get(svc);
  if (!p) throw new Error('PITR is not wired to this DynamoService');
  return p;
}

/**
 * Point-in-time recovery: the restorable window of each table, retention (compacting history older
 * than the window), restores, pins that keep history a reader still needs, and time travel.
 */
export class PitrService {
  readonly retention: Retention;
  readonly restores: Restorer;
  /** uid -> pin token -> pinned commit timestamp. */
  private readonly pins = new Map<number, Map<number, number>>();
  private nextPin = 1;
  private fenced = 0;

  constructor(readonly svc: DynamoService, readonly opts: PitrOptions) {
    registry.set(svc, this);
    const offset = svc.store.getMeta(CLOCK_OFFSET_KEY);
    if (offset !== undefined && Number.isFinite(Number(offset))) svc.clock.setOffsetSeconds(Number(offset));
    // Instants handed out before a restart (an enable time, a restore time, a reported "now") stay in the
    // past even if the wall clock went backwards while Strata was down.
    const fence = Number(svc.store.getMeta(CLOCK_FENCE_KEY) ?? 0);
    if (Number.isFinite(fence)) {
      svc.clock.observe(fence);
      this.fenced = fence;
    }
    this.retention = new Retention(this, opts.retentionIntervalMs ?? 1000);
    this.restores = new Restorer(this);
  }

  get lagSeconds(): number {
    return this.opts.lagSeconds;
  }

  /** Resumes restores interrupted by a stop or a crash, then starts retention. */
  start(): void {
    this.restores.resumeAll();
    this.retention.start();
  }

  stop(): void {
    this.retention.stop();
    this.restores.stop();
  }

  /** The table's restorable window now, or undefined when PITR is off. */
  window(state: TableState, nowMicros = this.svc.clock.nowMicros()): TableWindow | undefined {
    if (!state.Pitr.enabled) return undefined;
    const w = pitrWindow(state.Pitr, nowMicros, this.opts.lagSeconds);
    return { ...w, ...reportedWindow(w) };
  }

  /**
   * Keeps the table's history at and after `micros` from being compacted until the returned release is
   * called (a restore or an export reading "as of" that time while the window slides past it).
   */
  pin(uid: number, micros: number): () => void {
    const token = this.nextPin++;
    let m = this.pins.get(uid);
    if (!m) this.pins.set(uid, (m = new Map()));
    m.set(token, micros);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const pins = this.pins.get(uid);
      pins?.delete(token);
      if (pins?.size === 0) this.pins.delete(uid);
      this.retention.kick();
    };
  }

  /** The oldest pinned time of a table, if any. */
  pinnedFrom(uid: number): number | undefined {
    const m = this.pins.get(uid);
    if (!m || m.size === 0) return undefined;
    return Math.min(...m.values());
  }

  /** A fenced "now" (see Clock.fencedNowMicros), remembered across restarts. */
  fencedNow(): number {
    const t = this.svc.clock.fencedNowMicros();
    this.fence(t);
    return t;
  }

  /** Makes every later commit strictly newer than `micros`, across restarts too. */
  fence(micros: number): void {
    this.svc.clock.observe(micros);
    if (micros > this.fenced) {
      this.fenced = micros;
      this.svc.store.putMeta(CLOCK_FENCE_KEY, String(micros));
    }
  }

  /** Moves Strata's clock forward (time travel) and persists the offset so it survives a restart. */
  advanceClock(seconds: number): void {
    this.svc.clock.advance(seconds);
    this.svc.store.putMeta(CLOCK_OFFSET_KEY, String(this.svc.clock.offsetSeconds()));
    this.retention.kick();
  }
}
