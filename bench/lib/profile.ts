import { readFileSync } from 'node:fs';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  name: string;
  selfMs: number;
  share: number;
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const i = url.lastIndexOf('/node_modules/');
  if (i >= 0) return url.slice(i + '/node_modules/'.length);
  const d = url.lastIndexOf('/dist/');
  if (d >= 0) return url.slice(d + '/dist/'.length);
  return url.replace(/^file:\/\//, '');
}

/**
 * Self time of a V8 .cpuprofile (node --cpu-prof) by function and by file, idle and GC listed as such.
 * Self time is where the CPU actually was; `(program)` is native work V8 cannot attribute (including
 * better-sqlite3's C code called from JS shows under the JS function that called it).
 */
export function summarize(path: string, top = 30): { totalMs: number; functions: HotSpot[]; files: HotSpot[]; inclusive: HotSpot[] } {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const nameOf = (f: CpuProfileNode['callFrame']): string => `${f.functionName || '(anonymous)'}  ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    if (f.functionName === '(idle)') continue;
    total += us;
    const name = nameOf(f);
    fn.set(name, (fn.get(name) ?? 0) + us);
    const fileKey = f.url ? shortUrl(f.url) : f.functionName;
    file.set(fileKey, (file.get(fileKey) ?? 0) + us);
    // Inclusive: every distinct function on the sample's stack (recursion counted once).
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = nameOf(byId.get(at)!.callFrame);
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + us);
      }
    }
  }
  const list = (m: Map<string, number>): HotSpot[] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, selfMs: us / 1000, share: us / total }));
  return { totalMs: total / 1000, functions: list(fn), files: list(file), inclusive: list(incl) };
}

export function renderSummary(path: string, top = 30): string {
  const s = summarize(path, top);
  const line = (h: HotSpot): string => `${(h.share * 100).toFixed(1).padStart(5)}%  ${h.selfMs.toFixed(0).padStart(7)} ms  ${h.name}`;
  return [
    `${path}: ${s.totalMs.toFixed(0)} ms of non-idle samples`,
    '', 'self time by function:', ...s.functions.map(line),
    '', 'self time by file:', ...s.files.map(line),
    '', 'inclusive time (the function and what it called):', ...s.inclusive.map(line),
  ].join('\n');
}
