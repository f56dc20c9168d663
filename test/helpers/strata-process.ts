import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLauncherNodeFlags } from '../../src/cli/launcher-flags.js';

/** Repository root, from dist/test/helpers/ at run time. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'bin/strata.js');

export interface StrataProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tempDir(prefix = 'strata-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `strata serve` as a real child process and waits for its "listening" line. */
export async function startStrataProcess(args: string[] = [], opts: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<StrataProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  // With the launcher's node flags: the server under test runs as `npx strata serve` runs it.
  const child = spawn(process.execPath, [...readLauncherNodeFlags(BIN), BIN, 'serve', '--port', '0', '--data-dir', dataDir, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`strata did not start:\n${out}`)), 20_000);
    const onData = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`strata exited with ${code}:\n${out}`));
    });
  });
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    dataDir,
    child,
    output: () => out,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise((res) => {
        if (child.exitCode !== null) return res(child.exitCode);
        child.once('exit', (code) => res(code));
        child.kill(signal);
      });
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
