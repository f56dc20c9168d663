import { readFileSync } from 'node:fs';

/**
 * The node flags on a launcher's first line, `#!/usr/bin/env -S node FLAGS`: how `strata` runs when a user
 * starts it (`npx strata serve`). Anything that starts the server as `node bin/strata.js` itself (the
 * benchmark, the tests) passes these too, so that it measures and tests what users run.
 */
export function launcherNodeFlags(binText: string): string[] {
  const first = binText.slice(0, Math.max(0, binText.indexOf('\n'))) || binText;
  const m = /^#!\s*\S*\benv\s+-S\s+node((?:\s+--[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

export function readLauncherNodeFlags(binPath: string): string[] {
  return launcherNodeFlags(readFileSync(binPath, 'utf8'));
}
