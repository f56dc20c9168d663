/**
 * Process helpers of the export benchmark: the measured Strata server as a child process, and its
 * memory and CPU read from /proc (Linux).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLauncherNodeFlags } from '../src/cli/launcher-flags.js';

/** Repository root, from dist/bench/ at run time. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface Child {
  pid: number;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `node <args>` and resolves with its stdout when it exits 0 (stderr passes through). */
export function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      children.delete(child);
      if (code === 0) res(out);
      else rej(new Error(`node ${args.join(' ')} exited with ${code}`));
    });
  });
}

/** Starts `node [launcher flags] [nodeArgs] bin/strata.js serve [args]` and waits for its "listening" line. */
export async function startServer(args: string[], nodeArgs: string[] = []): Promise<Child> {
  const bin = join(ROOT, 'bin/strata.js');
  const child = spawn(process.execPath, [...readLauncherNodeFlags(bin), ...nodeArgs, bin, 'serve', ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env,
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`strata did not start:\n${out}`)), 60_000);
    const check = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`strata exited with ${code}:\n${out}`));
    });
  });
  return {
    pid: child.pid!,
    url,
    output: () => out,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('exit', () => {
          clearTimeout(timer);
          children.delete(child);
          res();
        });
        child.kill('SIGTERM');
      }),
  };
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const rss = (pid: number): number | undefined => status(pid, 'VmRSS');
export const peakRss = (pid: number): number | undefined => status(pid, 'VmHWM');

/** Resets the process's peak RSS (VmHWM) to its current RSS; false when the kernel refuses. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const CLK_TCK = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, every thread) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** Waits until the process has used no CPU for quietMs (a checkpoint or purge in progress belongs to nobody). */
export async function waitIdle(pid: number, quietMs = 500, maxMs = 60_000): Promise<void> {
  const start = Date.now();
  let last = cpuSeconds(pid);
  let quietSince = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = cpuSeconds(pid);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) return;
  }
}

/** Bytes a process has read from and written to storage so far (/proc/<pid>/io; page-cache hits excluded). */
export function diskIo(pid: number): { read: number; write: number } {
  try {
    const t = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { read: Number(/read_bytes: (\d+)/.exec(t)?.[1] ?? NaN), write: Number(/^write_bytes: (\d+)/m.exec(t)?.[1] ?? NaN) };
  } catch {
    return { read: NaN, write: NaN };
  }
}

/** Other processes' CPU use on the machine while we measure: (busy jiffies of all CPUs) from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + (v[7] ?? 0);
  return busy / CLK_TCK;
}
