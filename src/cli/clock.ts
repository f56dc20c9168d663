import { parseArgs } from 'node:util';
import { adminRequest, credentialsFromEnv } from '../pitr/admin-client.js';

const USAGE = `usage: strata clock [show] [--endpoint URL]
       strata clock advance --seconds N [--endpoint URL]

Shows a running Strata server's clock, or moves it forward by N seconds (time travel: PITR windows,
retention and TTL all follow it; commit timestamps stay monotonic). The request is signed with SigV4
using AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION (default test / test / us-east-1).

options:
  --endpoint URL     the server (default: $STRATA_ENDPOINT or http://127.0.0.1:4566)
  --seconds N        how far to move the clock forward (advance only)
`;

export async function runClock(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { endpoint: { type: 'string' }, seconds: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return void console.log(USAGE);
  const endpoint = values.endpoint ?? process.env.STRATA_ENDPOINT ?? 'http://127.0.0.1:4566';
  const action = positionals[0] ?? 'show';
  let res;
  if (action === 'show') {
    res = await adminRequest(endpoint, 'GET', '/_strata/clock', undefined, credentialsFromEnv());
  } else if (action === 'advance') {
    const seconds = Number(values.seconds);
    if (values.seconds === undefined || !Number.isFinite(seconds)) throw new Error(`clock advance needs --seconds N\n\n${USAGE}`);
    res = await adminRequest(endpoint, 'POST', '/_strata/clock/advance', { seconds }, credentialsFromEnv());
  } else {
    throw new Error(`unknown clock action "${action}"\n\n${USAGE}`);
  }
  if (res.status !== 200) throw new Error(`${String(res.body.__type ?? res.status)}: ${String(res.body.message ?? '')}`);
  const now = Number(res.body.now);
  console.log(`${new Date(now * 1000).toISOString()}  (epoch ${now}, offset ${String(res.body.offsetSeconds)} s, LatestRestorableDateTime lag ${String(res.body.pitrLagSeconds)} s)`);
}
