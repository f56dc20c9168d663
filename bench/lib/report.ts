import type { Phase, ServerName } from './options.js';

/** The target from issue 2: Strata's server CPU per operation at most half of dynalite's. */
export const TARGET_RATIO = 0.5;

/** One slice of a phase on one server. */
export interface RoundResult {
  items: number;
  requests: number;
  wallMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /** CPU the benchmark's own process (the client) used during the slice. */
  clientCpuUs: number;
}

export interface PhaseResult {
  phase: Phase;
  server: ServerName | 'floor';
  /** Items written (load), items read by GetItem (get), items returned by Scan (scan). */
  items: number;
  requests: number;
  wallMs: number;
  itemsPerSec: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /** Server CPU (user + system) per item, in microseconds: the figure the target is about. */
  cpuUsPerItem: number;
  /** Server CPU per request, in microseconds. */
  cpuUsPerRequest: number;
  /** Share of one core the server used during the phase. */
  serverCpuShare: number;
  /** The client's (this process's) CPU per item, for reading wall times: the client is the same for both. */
  clientCpuUsPerItem: number;
  latencyMs: { p50: number; p99: number; max: number };
  rssBytes?: number;
  rounds: RoundResult[];
}

export interface Comparison {
  phase: Phase;
  cpuRatio: number;
  /** Lowest and highest ratio of single rounds (how much the machine's noise moved it). */
  roundRatios: { min: number; max: number };
  throughputRatio: number;
  pass: boolean;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function compare(results: PhaseResult[]): Comparison[] {
  const out: Comparison[] = [];
  for (const s of results.filter((r) => r.server === 'strata')) {
    const d = results.find((r) => r.server === 'dynalite' && r.phase === s.phase);
    if (!d) continue;
    const cpuRatio = s.cpuUsPerItem / d.cpuUsPerItem;
    const perItem = (r: RoundResult): number => (r.cpuUserUs + r.cpuSystemUs) / r.items;
    const ratios = s.rounds.map((r, i) => (d.rounds[i] && r.items ? perItem(r) / perItem(d.rounds[i]!) : NaN)).filter((x) => Number.isFinite(x));
    out.push({
      phase: s.phase, cpuRatio, roundRatios: { min: Math.min(...ratios), max: Math.max(...ratios) },
      throughputRatio: s.itemsPerSec / d.itemsPerSec, pass: cpuRatio <= TARGET_RATIO,
    });
  }
  return out;
}

const UNIT: Record<Phase, string> = { load: 'per item written (BatchWriteItem x25)', get: 'per GetItem', scan: 'per scanned item (1 MB pages)' };

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

export function render(results: PhaseResult[], comparisons: Comparison[]): string {
  const phases = [...new Set(results.map((r) => r.phase))];
  const rows: string[][] = [[
    'phase', 'items', 'strata items/s', 'dynalite items/s', 'strata cpu µs/op', 'dynalite cpu µs/op', 'cpu ratio', 'rounds min–max', `target ≤${TARGET_RATIO}`, 'items/s ratio',
  ]];
  for (const p of phases) {
    const s = results.find((r) => r.phase === p && r.server === 'strata');
    const d = results.find((r) => r.phase === p && r.server === 'dynalite');
    const c = comparisons.find((x) => x.phase === p);
    rows.push([
      p, fmt((s ?? d)?.items), fmt(s?.itemsPerSec), fmt(d?.itemsPerSec), fmt(s?.cpuUsPerItem, 1), fmt(d?.cpuUsPerItem, 1),
      c ? fmt(c.cpuRatio, 2) : '-', c && Number.isFinite(c.roundRatios.min) ? `${fmt(c.roundRatios.min, 2)}–${fmt(c.roundRatios.max, 2)}` : '-',
      c ? (c.pass ? 'PASS' : 'MISS') : '-', c ? fmt(c.throughputRatio, 2) : '-',
    ]);
  }
  const detail: string[][] = [['phase / server', 'requests', 'wall s', 'cpu user s', 'cpu sys s', 'cpu µs/request', 'server cores', 'client cpu µs/op', 'p50 ms', 'p99 ms', 'rss MB']];
  for (const r of results) {
    detail.push([
      `${r.phase} / ${r.server}`, fmt(r.requests), fmt(r.wallMs / 1000, 2), fmt(r.cpuUserUs / 1e6, 2), fmt(r.cpuSystemUs / 1e6, 2),
      fmt(r.cpuUsPerRequest, 0), fmt(r.serverCpuShare, 2), fmt(r.clientCpuUsPerItem, 1), fmt(r.latencyMs.p50, 2), fmt(r.latencyMs.p99, 2),
      r.rssBytes === undefined ? '-' : fmt(r.rssBytes / 2 ** 20),
    ]);
  }
  const units = phases.map((p) => `  ${p}: ${UNIT[p]}`).join('\n');
  return `${table(rows)}\n\ncpu µs/op = server process CPU (user+system, /proc/<pid>/stat) per operation:\n${units}\ncpu ratio = strata / dynalite over the whole phase (lower is better); rounds min–max = the same ratio in single
rounds (each phase runs in slices alternating between the servers); items/s ratio = strata / dynalite (higher is better)\n\n${table(detail)}`;
}
