import type { PitrState } from '../dynamodb/table-state.js';

const DAY_MICROS = 24 * 3600 * 1_000_000;

export interface PitrWindow {
  earliestMicros: number;
  latestMicros: number;
}

/**
 * The restorable window: from when PITR was last enabled or now minus the recovery period, whichever
 * is later, up to now minus the configured lag (AWS's LatestRestorableDateTime trails by ~5 minutes;
 * exports may use lag 0, since AWS exports up to the request time).
 */
export function pitrWindow(pitr: PitrState, nowMicros: number, lagSeconds = 0): PitrWindow {
  const periodStart = nowMicros - pitr.recoveryPeriodInDays * DAY_MICROS;
  const earliestMicros = Math.max(pitr.enabledAt ?? nowMicros, periodStart, pitr.floorMicros ?? 0);
  const latestMicros = Math.max(earliestMicros, nowMicros - lagSeconds * 1_000_000);
  return { earliestMicros, latestMicros };
}

/** The window as the wire shows it: whole milliseconds, rounded inwards so every instant shown is restorable. */
export interface ReportedWindow {
  earliestMs: number;
  latestMs: number;
}

export function reportedWindow(w: PitrWindow): ReportedWindow {
  const earliestMs = Math.ceil(w.earliestMicros / 1000);
  return { earliestMs, latestMs: Math.max(earliestMs, Math.floor(w.latestMicros / 1000)) };
}
