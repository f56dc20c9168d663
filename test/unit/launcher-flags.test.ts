import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { launcherNodeFlags, readLauncherNodeFlags } from '../../src/cli/launcher-flags.js';
import { BIN } from '../helpers/strata-process.js';

/** The young generation's size in MB right after start-up, in a node started with `flags`. */
function startNewSpaceMb(flags: string[]): number {
  const r = spawnSync(process.execPath, [...flags, '-e',
    "process.stdout.write(String(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576))"], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

describe('launcher node flags', () => {
  it('are read from an `env -S node` line and nothing else', () => {
    assert.deepEqual(launcherNodeFlags('#!/usr/bin/env -S node --min-semi-space-size=16\nrest'), ['--min-semi-space-size=16']);
    assert.deepEqual(launcherNodeFlags('#!/usr/bin/env -S node --a=1 --b\n'), ['--a=1', '--b']);
    assert.deepEqual(launcherNodeFlags('#!/usr/bin/env node\n'), []);
    assert.deepEqual(launcherNodeFlags('#!/usr/bin/env -S node\n'), []);
    assert.deepEqual(launcherNodeFlags('// no launcher line\n'), []);
    // Not a flag list node would get: left alone rather than half-parsed.
    assert.deepEqual(launcherNodeFlags('#!/usr/bin/env -S node --a script.js\n'), []);
  });

  it('bin/strata.js keeps the young generation at 16 MB semi-spaces, which node honours', () => {
    const flags = readLauncherNodeFlags(BIN);
    assert.deepEqual(flags, ['--min-semi-space-size=16']);
    // Without the flag V8 starts at 1 MB; with it, at the 16 MB it would otherwise only grow to under load.
    assert.ok(startNewSpaceMb([]) < 16);
    assert.ok(startNewSpaceMb(flags) >= 16);
  });

  it('bin/strata.js runs through its launcher line (`env -S`), as npx runs it', () => {
    const r = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /usage: strata <command>/);
  });
});
