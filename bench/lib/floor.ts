import type { PhaseResult } from './report.js';

/** The get phase measured against the floor: what each server spends above what any node server pays. */
export interface FloorSummary {
  /** The floor server's CPU per GetItem, µs (kernel, loopback, node's callbacks). */
  floorUs: number;
  strataUs?: number;
  dynaliteUs?: number;
  /** Strata's and dynalite's CPU per GetItem above the floor, and their ratio (information only: the target is on the totals). */
  strataAboveUs?: number;
  dynaliteAboveUs?: number;
  aboveRatio?: number;
}

export function floorSummary(floor: PhaseResult, results: PhaseResult[]): FloorSummary {
  const of = (server: string): number | undefined => results.find((r) => r.phase === 'get' && r.server === server)?.cpuUsPerItem;
  const strataUs = of('strata');
  const dynaliteUs = of('dynalite');
  const out: FloorSummary = { floorUs: floor.cpuUsPerItem, strataUs, dynaliteUs };
  if (strataUs !== undefined) out.strataAboveUs = strataUs - floor.cpuUsPerItem;
  if (dynaliteUs !== undefined) out.dynaliteAboveUs = dynaliteUs - floor.cpuUsPerItem;
  if (out.strataAboveUs !== undefined && out.dynaliteAboveUs !== undefined && out.dynaliteAboveUs > 0) {
    out.aboveRatio = out.strataAboveUs / out.dynaliteAboveUs;
  }
  return out;
}

export function renderFloor(f: FloorSummary): string {
  const us = (x: number | undefined): string => (x === undefined ? '-' : `${x.toFixed(1)} µs`);
  const lines = [
    `GetItem floor (bench/floor-server.ts: a bare node server answering with a fixed reply, in the same rounds): ${us(f.floorUs)} cpu per request`,
    `  above the floor: strata ${us(f.strataAboveUs)}, dynalite ${us(f.dynaliteAboveUs)}` +
      (f.aboveRatio === undefined ? '' : `, ratio ${f.aboveRatio.toFixed(2)} (information only; the target is on the totals above)`),
  ];
  return lines.join('\n');
}
