import { readFileSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on practically every Linux). */
export const CLK_TCK = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, all its threads included, in microseconds. */
export interface CpuSample {
  userUs: number;
  systemUs: number;
}

/**
 * Reads utime and stime from /proc/<pid>/stat. They are the whole process (every thread, including
 * libuv's thread pool where LevelDB does its work) and exclude children. Resolution is one clock tick.
 */
export function processCpu(pid: number): CpuSample {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const us = 1_000_000 / CLK_TCK;
  return { userUs: utime * us, systemUs: stime * us };
}

export function cpuDelta(before: CpuSample, after: CpuSample): CpuSample {
  return { userUs: after.userUs - before.userUs, systemUs: after.systemUs - before.systemUs };
}

export function totalUs(s: CpuSample): number {
  return s.userUs + s.systemUs;
}

/** Resident set size of a process in bytes (VmRSS), or undefined when unavailable. */
export function processRss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Total size of the files under a directory, in bytes. */
export function dirSize(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    total += s.isDirectory() ? dirSize(p) : s.size;
  }
  return total;
}

/**
 * Waits until the process has used no CPU for `quietMs` (background work a phase triggered, such as
 * LevelDB compaction or a WAL checkpoint, belongs to that phase), giving up after `maxMs`.
 */
export async function waitIdle(pid: number, quietMs = 300, maxMs = 30_000): Promise<void> {
  const start = Date.now();
  let last = totalUs(processCpu(pid));
  let quietSince = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = totalUs(processCpu(pid));
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return;
    }
  }
}
