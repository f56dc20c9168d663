import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLauncherNodeFlags } from '../../src/cli/launcher-flags.js';

/** Repository root, from dist/bench/lib/ at run time. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface BenchServer {
  name: 'strata' | 'dynalite' | 'floor';
  url: string;
  pid: number;
  dataDir: string;
  /** What the server promises about an acknowledged write. */
  durability: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function startChild(name: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const match = await new Promise<RegExpExecArray>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${name} did not start:\n${out}`)), 30_000);
    const check = (): void => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        res(m);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${name} exited with ${code}:\n${out}`));
    });
  });
  return { child, match, output: () => out };
}

function stopper(child: ChildProcess, dataDir: string, keep: boolean): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((res) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', () => {
          clearTimeout(timer);
          res();
        });
        child.kill('SIGTERM');
      });
    }
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  };
}

export interface StartOptions {
  /** Keep the data directory after the run. */
  keep: boolean;
  /** Directory for a V8 CPU profile of the Strata server (node --cpu-prof), written when it exits. */
  cpuProfDir?: string;
  /** Another build's bin/strata.js (A/B comparisons of two commits); default this checkout's. */
  strataBin?: string;
}

/** `strata serve` on a fresh on-disk data directory (WAL, synchronous=FULL), default credentials (key `test`). */
export async function startStrata(opts: StartOptions): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  const bin = opts.strataBin ?? join(ROOT, 'bin/strata.js');
  // The node flags on that build's launcher line: the server runs as `npx strata serve` runs it.
  const nodeArgs = readLauncherNodeFlags(bin);
  if (opts.cpuProfDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir);
  // Extra node flags for the Strata server, e.g. BENCH_STRATA_NODE_ARGS=--perf-basic-prof for `perf record -p PID`.
  nodeArgs.push(...(process.env.BENCH_STRATA_NODE_ARGS ?? '').split(/\s+/).filter(Boolean));
  const { child, match } = await startChild(
    'strata',
    [...nodeArgs, bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--ttl-sweep-seconds', '3600'],
    /listening on (http:\/\/\S+)/,
  );
  return {
    name: 'strata',
    url: match[1]!,
    pid: child.pid!,
    dataDir,
    durability: 'SQLite WAL, synchronous=FULL: every acknowledged write is fsynced; every write is a version',
    stop: stopper(child, dataDir, opts.keep),
  };
}

/** dynalite on on-disk LevelDB (--path). Its writes are not fsynced (LevelDB's default sync:false). */
export async function startDynalite(opts: StartOptions): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dynalite-bench-'));
  const port = await freePort();
  const { child } = await startChild(
    'dynalite',
    [join(ROOT, 'node_modules/dynalite/cli.js'), '--host', '127.0.0.1', '--port', String(port), '--path', dataDir, '--createTableMs', '0', '--deleteTableMs', '0', '--updateTableMs', '0'],
    /listening at/i,
  );
  return {
    name: 'dynalite',
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    dataDir,
    durability: 'LevelDB with sync:false: writes reach the OS page cache, never fsynced (lost on power failure); no versions',
    stop: stopper(child, dataDir, opts.keep),
  };
}

/** The GetItem floor (bench/floor-server.ts): kernel and node only, for the get phase. */
export async function startFloor(): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'floor-bench-'));
  const { child, match } = await startChild('floor', [join(ROOT, 'dist/bench/floor-server.js'), '0'], /listening on (http:\/\/\S+)/);
  return {
    name: 'floor',
    url: match[1]!,
    pid: child.pid!,
    dataDir,
    durability: 'none: answers GetItem with a fixed-shape reply and stores nothing',
    stop: stopper(child, dataDir, false),
  };
}
