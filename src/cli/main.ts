import { parseArgs } from 'node:util';
import { startStrata } from '../app.js';
import { OPTIONS, REPEATABLE_FLAGS, resolveConfig, type OptionValues } from '../config.js';
import { runClock } from './clock.js';
import { runDemo } from './demo.js';
import { exportCommand } from './export-command.js';
import { verifyCommand } from './verify-command.js';

const USAGE = `usage: strata <command> [options]

commands:
  serve     run the server (DynamoDB, S3 and RDS APIs and the console on one port)
  demo      start an in-memory server, load a table, export it to S3 and verify the export
  export    start a table export (ExportTableToPointInTime); --wait shows a progress bar
  verify    check an export in any S3 bucket against its manifests
  clock     show a running server's clock, or move it forward: clock advance --seconds N (see clock --help)

serve options (each also an environment variable):
${OPTIONS.map((o) => `  --${o.flag.padEnd(20)} ${o.env.padEnd(26)} ${o.help}${o.def ? ` (default: ${o.def})` : ''}`).join('\n')}
`;

function serveFlags(args: string[]): OptionValues {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const o of OPTIONS) options[o.flag] = { type: o.flag === 'in-memory' ? 'boolean' : 'string', multiple: REPEATABLE_FLAGS.includes(o.flag) };
  const { values } = parseArgs({ args, options, strict: true });
  return values as OptionValues;
}

async function serve(args: string[]): Promise<void> {
  const config = resolveConfig(serveFlags(args));
  const running = await startStrata(config);
  const mode = config.permissiveAuth ? 'permissive' : 'strict';
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`strata: ${signal}, shutting down`);
    running.close().then(
      () => process.exit(0),
      (e) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Announced only once the signal handlers are in place: whoever waits for this line may signal at once.
  console.log(`strata listening on ${running.url} (data: ${config.inMemory ? 'in memory' : config.dataDir}, auth: ${mode})`);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        if (rest.includes('--help')) return void console.log(USAGE);
        return await serve(rest);
      case 'demo':
        return await runDemo();
      case 'export':
        process.exitCode = await exportCommand(rest);
        return;
      case 'verify':
        process.exitCode = await verifyCommand(rest);
        return;
      case 'clock':
        return await runClock(rest);
      case undefined:
      case '--help':
      case 'help':
        console.log(USAGE);
        return;
      default:
        console.error(`strata: unknown command "${command}"\n\n${USAGE}`);
        process.exitCode = 2;
    }
  } catch (e) {
    console.error(`strata: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
