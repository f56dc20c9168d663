/** Prints where a V8 CPU profile (.cpuprofile from `node --cpu-prof`) spent its time: `node dist/bench/profile-summary.js FILE [TOP]`. */
import { renderSummary } from './lib/profile.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/profile-summary.js FILE.cpuprofile [TOP]');
  process.exit(2);
}
console.log(renderSummary(file, top ? Number(top) : 30));
