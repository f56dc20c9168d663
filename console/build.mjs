// Bundles the web console for the browser: console/src → dist/console-ui/ (served by src/console/).
// Run by `npm run build` (and so by `prepare` and `npm test`); needs nothing from the network.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '../dist/console-ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = { bundle: true, minify: true, legalComments: 'none', logLevel: 'warning', target: ['chrome109', 'firefox115', 'safari16'] };
await build({
  ...common,
  entryPoints: [join(here, 'src/main.tsx')],
  outfile: join(out, 'app.js'),
  format: 'esm',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { 'process.env.NODE_ENV': '"production"' },
});
await build({ ...common, entryPoints: [join(here, 'src/styles.css')], outfile: join(out, 'app.css') });
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
copyFileSync(join(here, 'favicon.svg'), join(out, 'favicon.svg'));
const kb = (f) => (statSync(join(out, f)).size / 1024).toFixed(0);
console.log(`console: dist/console-ui (app.js ${kb('app.js')} KiB, app.css ${kb('app.css')} KiB)`);
