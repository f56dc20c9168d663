import { parseArgs } from 'node:util';

export const PHASES = ['load', 'get', 'scan'] as const;
export type Phase = (typeof PHASES)[number];
export const SERVERS = ['strata', 'dynalite'] as const;
export type ServerName = (typeof SERVERS)[number];

export interface BenchOptions {
  items: number;
  /** GetItem calls (each a distinct key, random order); defaults to every item. */
  gets: number;
  phases: Phase[];
  servers: ServerName[];
  concurrency: number;
  /** Each phase is cut into this many slices, run alternately on each server (see README). */
  rounds: number;
  warmup: boolean;
  /** Measure the GetItem floor (bench/floor-server.ts) in the get phase's rounds. */
  floor: boolean;
  keep: boolean;
  /** When set, the Strata server runs under `node --cpu-prof` and writes its profile here. */
  profileDir?: string;
  resultsDir?: string;
  strataBin?: string;
}

export const USAGE = `usage: npm run bench -- [options]     (every option also an environment variable)

  --items N          BENCH_ITEMS         items loaded (default 100000)
  --gets N           BENCH_GETS          GetItem calls, distinct random keys (default: every item)
  --phases LIST      BENCH_PHASES        load,get,scan (default all; data is always loaded first)
  --servers LIST     BENCH_SERVERS       strata,dynalite (default both)
  --concurrency N    BENCH_CONCURRENCY   requests in flight for load and get (default 32)
  --rounds N         BENCH_ROUNDS        slices per phase, alternating between the servers (default 10)
  --no-warmup        BENCH_WARMUP=0      skip the unmeasured warm-up on a small table
  --no-floor         BENCH_FLOOR=0       skip the GetItem floor (a bare node server with a fixed reply)
  --keep             BENCH_KEEP=1        keep the servers' data directories
  --profile DIR      BENCH_PROFILE=DIR   run the Strata server under node --cpu-prof, profile to DIR
  --results DIR      BENCH_RESULTS=DIR   where the JSON results go (default bench/results)
  --strata-bin FILE  BENCH_STRATA_BIN    another build's bin/strata.js, to compare two commits
`;

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const out = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const v of out) if (!allowed.includes(v as T)) throw new Error(`unknown ${what} "${v}" (expected ${allowed.join(', ')})`);
  return allowed.filter((a) => out.includes(a));
}

function positive(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, not "${value}"`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      items: { type: 'string' }, gets: { type: 'string' }, phases: { type: 'string' }, servers: { type: 'string' },
      concurrency: { type: 'string' }, rounds: { type: 'string' }, 'no-warmup': { type: 'boolean' }, 'no-floor': { type: 'boolean' }, keep: { type: 'boolean' },
      profile: { type: 'string' }, results: { type: 'string' }, 'strata-bin': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const items = positive(values.items ?? env.BENCH_ITEMS ?? '100000', 'items');
  const gets = values.gets ?? env.BENCH_GETS;
  return {
    items,
    gets: gets === undefined ? items : Math.min(items, positive(gets, 'gets')),
    phases: list(values.phases ?? env.BENCH_PHASES ?? PHASES.join(','), PHASES, 'phase'),
    servers: list(values.servers ?? env.BENCH_SERVERS ?? SERVERS.join(','), SERVERS, 'server'),
    concurrency: positive(values.concurrency ?? env.BENCH_CONCURRENCY ?? '32', 'concurrency'),
    rounds: positive(values.rounds ?? env.BENCH_ROUNDS ?? '10', 'rounds'),
    warmup: !values['no-warmup'] && env.BENCH_WARMUP !== '0',
    floor: !values['no-floor'] && env.BENCH_FLOOR !== '0',
    keep: values.keep === true || env.BENCH_KEEP === '1',
    profileDir: values.profile ?? env.BENCH_PROFILE,
    resultsDir: values.results ?? env.BENCH_RESULTS,
    strataBin: values['strata-bin'] ?? env.BENCH_STRATA_BIN,
  };
}
