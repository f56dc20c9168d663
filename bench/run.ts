/**
 * `npm run bench`: loads N items of ~1 KB through BatchWriteItem, reads them back with GetItem and a
 * paginated Scan, against Strata and dynalite started as child processes in the same run, and reports
 * items/s and each server process's CPU time per operation, with Strata/dynalite ratios.
 * See bench/README.md.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { itemSize } from '../src/dynamodb/values.js';
import { parseOptions, USAGE, type BenchOptions, type Phase } from './lib/options.js';
import { cpuDelta, dirSize, processCpu, processRss, totalUs, waitIdle, CLK_TCK } from './lib/proc.js';
import { renderSummary } from './lib/profile.js';
import { compare, percentile, render, TARGET_RATIO, type PhaseResult, type RoundResult } from './lib/report.js';
import { floorSummary, renderFloor } from './lib/floor.js';
import { ROOT, startDynalite, startFloor, startStrata, type BenchServer } from './lib/servers.js';
import { benchClient, createTable, get, getOrder, load, makeItem, scan, scanPages, type PhaseWork, type ScanCursor } from './lib/workload.js';

const TABLE = 'bench';
const WARMUP_TABLE = 'bench_warmup';
const WARMUP_ITEMS = 2000;

interface Target {
  server: BenchServer;
  client: DynamoDBClient;
  dataBytesAfterLoad?: number;
  walBytesAfterLoad?: number;
}

/** Runs one slice of a phase on one server and measures the server's CPU time and the wall time. */
async function measureRound(t: Target, work: () => Promise<PhaseWork>): Promise<{ round: RoundResult; latenciesMs: number[] }> {
  const pid = t.server.pid;
  await waitIdle(pid);
  const before = processCpu(pid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const w = await work();
  const wallMs = performance.now() - t0;
  const client = process.cpuUsage(client0);
  // Background work the slice caused (LevelDB compaction, WAL checkpoints) is charged to it.
  await waitIdle(pid);
  const cpu = cpuDelta(before, processCpu(pid));
  return {
    round: { items: w.items, requests: w.requests, wallMs, cpuUserUs: cpu.userUs, cpuSystemUs: cpu.systemUs, clientCpuUs: client.user + client.system },
    latenciesMs: w.latenciesMs,
  };
}

function phaseResult(phase: Phase, t: Target, rounds: RoundResult[], latencies: number[]): PhaseResult {
  const sum = (f: (r: RoundResult) => number): number => rounds.reduce((n, r) => n + f(r), 0);
  const items = sum((r) => r.items);
  const requests = sum((r) => r.requests);
  const wallMs = sum((r) => r.wallMs);
  const user = sum((r) => r.cpuUserUs);
  const system = sum((r) => r.cpuSystemUs);
  const lat = [...latencies].sort((a, b) => a - b);
  return {
    phase,
    server: t.server.name,
    items,
    requests,
    wallMs,
    itemsPerSec: items / (wallMs / 1000),
    cpuUserUs: user,
    cpuSystemUs: system,
    cpuUsPerItem: (user + system) / items,
    cpuUsPerRequest: (user + system) / requests,
    serverCpuShare: (user + system) / 1000 / wallMs,
    clientCpuUsPerItem: sum((r) => r.clientCpuUs) / items,
    latencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? 0 },
    rssBytes: processRss(t.server.pid),
    rounds,
  };
}

async function warmup(t: Target, opts: BenchOptions): Promise<void> {
  const n = Math.min(WARMUP_ITEMS, opts.items);
  await createTable(t.client, WARMUP_TABLE);
  await load(t.client, WARMUP_TABLE, 0, n, opts.concurrency);
  await get(t.client, WARMUP_TABLE, getOrder(n, n), opts.concurrency);
  await scan(t.client, WARMUP_TABLE, n);
}

/** The commit a checkout is at, marked dirty when it has uncommitted changes. */
function gitDescribe(dir: string): string | undefined {
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') return void console.log(USAGE);
  const opts = parsed;
  const startedAt = new Date();
  if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
  const sample = makeItem(0);
  console.log(
    `bench: ${opts.items.toLocaleString('en-US')} items of ~${itemSize(sample as never)} bytes (DynamoDB item size), ` +
      `${opts.gets.toLocaleString('en-US')} GetItem, concurrency ${opts.concurrency}, phases ${opts.phases.join(',')}, servers ${opts.servers.join(',')}`,
  );
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}, CLK_TCK ${CLK_TCK}`);

  const targets: Target[] = [];
  const results: PhaseResult[] = [];
  // The GetItem floor joins only the get phase's rounds (it stores nothing, so it has no load or scan).
  let floor: Target | undefined;
  let floorResult: PhaseResult | undefined;
  try {
    if (opts.floor && opts.phases.includes('get')) {
      const server = await startFloor();
      console.log(`floor: pid ${server.pid}, ${server.url} (a bare node server answering GetItem with a fixed reply)`);
      floor = { server, client: benchClient(server.url, opts.concurrency) };
    }
    for (const name of opts.servers) {
      const server = name === 'strata'
        ? await startStrata({ keep: opts.keep, cpuProfDir: opts.profileDir, strataBin: opts.strataBin })
        : await startDynalite({ keep: opts.keep });
      console.log(`${name}: pid ${server.pid}, ${server.url}, data ${server.dataDir}\n  durability: ${server.durability}`);
      targets.push({ server, client: benchClient(server.url, opts.concurrency) });
    }
    for (const t of targets) {
      await createTable(t.client, TABLE);
      if (opts.warmup) await warmup(t, opts);
    }
    if (floor && opts.warmup) await get(floor.client, TABLE, getOrder(WARMUP_ITEMS, WARMUP_ITEMS), opts.concurrency);
    // Each phase runs in slices (rounds), alternating between the servers, so that both see the same
    // machine conditions: on a shared machine, load from other work drifts over seconds.
    const rounds = opts.rounds;
    const run = async (phase: Phase, slice: (t: Target, round: number) => (() => Promise<PhaseWork>) | undefined, extra?: Target): Promise<void> => {
      const all = extra ? [...targets, extra] : targets;
      const acc = new Map<Target, { rounds: RoundResult[]; latencies: number[] }>(all.map((t) => [t, { rounds: [], latencies: [] }]));
      for (let round = 0; ; round++) {
        let any = false;
        // Who goes first alternates too.
        for (const t of round % 2 ? [...all].reverse() : all) {
          const work = slice(t, round);
          if (!work) continue;
          any = true;
          const m = await measureRound(t, work);
          acc.get(t)!.rounds.push(m.round);
          for (const l of m.latenciesMs) acc.get(t)!.latencies.push(l);
        }
        if (!any) break;
      }
      if (extra) {
        const a = acc.get(extra)!;
        floorResult = phaseResult(phase, extra, a.rounds, a.latencies);
      }
      for (const t of targets) {
        const a = acc.get(t)!;
        const r = phaseResult(phase, t, a.rounds, a.latencies);
        if (phase === 'load') {
          t.dataBytesAfterLoad = dirSize(t.server.dataDir);
          const wal = join(t.server.dataDir, 'strata.db-wal');
          if (existsSync(wal)) t.walBytesAfterLoad = statSync(wal).size;
        }
        if (opts.phases.includes(phase)) {
          results.push(r);
          console.log(`  ${phase.padEnd(4)} ${t.server.name.padEnd(8)} ${Math.round(r.itemsPerSec).toLocaleString('en-US').padStart(8)} items/s  ${r.cpuUsPerItem.toFixed(1).padStart(7)} µs cpu/op  (${(r.wallMs / 1000).toFixed(1)} s, ${a.rounds.length} rounds)`);
        }
      }
    };
    // Load: item ranges, whole batches of 25 per round.
    const perRound = Math.ceil(opts.items / rounds / 25) * 25;
    await run('load', (t, r) => (r * perRound < opts.items ? () => load(t.client, TABLE, r * perRound, Math.min(opts.items, (r + 1) * perRound), opts.concurrency) : undefined));
    if (opts.phases.includes('get')) {
      const order = getOrder(opts.items, opts.gets);
      const getsPerRound = Math.ceil(order.length / rounds);
      await run('get', (t, r) => (r * getsPerRound < order.length ? () => get(t.client, TABLE, order.slice(r * getsPerRound, (r + 1) * getsPerRound), opts.concurrency) : undefined), floor);
    }
    if (opts.phases.includes('scan')) {
      // About 1,000 items of ~1 KB per 1 MB page.
      const pagesPerRound = Math.max(1, Math.ceil(opts.items / 1000 / rounds));
      const cursors = new Map<Target, ScanCursor>(targets.map((t) => [t, { items: 0, done: false }]));
      await run('scan', (t) => {
        const c = cursors.get(t)!;
        return c.done ? undefined : () => scanPages(t.client, TABLE, c, pagesPerRound);
      });
      for (const [t, c] of cursors) if (c.items !== opts.items) throw new Error(`${t.server.name}: Scan returned ${c.items} items, expected ${opts.items}`);
    }
  } finally {
    for (const t of floor ? [...targets, floor] : targets) {
      t.client.destroy();
      await t.server.stop();
    }
  }

  const comparisons = compare(results);
  console.log(`\n${render(results, comparisons)}\n`);
  for (const t of targets) {
    if (t.dataBytesAfterLoad === undefined) continue;
    const wal = t.walBytesAfterLoad ? ` (of which ${(t.walBytesAfterLoad / 2 ** 20).toFixed(1)} MB is SQLite's write-ahead log, reused after checkpoints)` : '';
    console.log(`${t.server.name} data on disk after load: ${(t.dataBytesAfterLoad / 2 ** 20).toFixed(1)} MB${wal}`);
  }
  const floorInfo = floorResult ? floorSummary(floorResult, results) : undefined;
  if (floorInfo) console.log(`${renderFloor(floorInfo)}\n`);
  const missed = comparisons.filter((c) => !c.pass).map((c) => c.phase);
  if (comparisons.length) console.log(missed.length ? `target (strata cpu/op ≤ ${TARGET_RATIO} × dynalite): MISS in ${missed.join(', ')}` : `target (strata cpu/op ≤ ${TARGET_RATIO} × dynalite): PASS in every phase`);

  const resultsDir = opts.resultsDir ?? join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    strata: { bin: opts.strataBin ?? join(ROOT, 'bin/strata.js'), commit: gitDescribe(dirname(dirname(opts.strataBin ?? join(ROOT, 'bin/strata.js')))) },
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtEnd: loadavg(), node: process.version, clkTck: CLK_TCK },
    options: opts,
    itemSizeBytes: itemSize(sample as never),
    servers: targets.map((t) => ({ name: t.server.name, durability: t.server.durability, dataBytesAfterLoad: t.dataBytesAfterLoad, walBytesAfterLoad: t.walBytesAfterLoad })),
    targetRatio: TARGET_RATIO,
    results,
    comparisons,
    floor: floorInfo ? { ...floorInfo, result: floorResult } : undefined,
  }, null, 2) + '\n');
  console.log(`results: ${file}`);

  if (opts.profileDir) {
    const profiles = readdirSync(opts.profileDir).filter((f) => f.endsWith('.cpuprofile')).sort();
    const latest = profiles[profiles.length - 1];
    if (latest) console.log(`\nStrata server CPU profile (whole run incl. warm-up):\n${renderSummary(join(opts.profileDir, latest), 25)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
