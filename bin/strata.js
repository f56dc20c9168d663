#!/usr/bin/env -S node --min-semi-space-size=16
// The flag keeps V8's young generation at 16 MB per semi-space (its usual maximum). Without it, the first
// memory-reducing GC after a quiet spell shrinks it to 1 MB and it stays near there: under load that meant a
// scavenge every ~80 GetItems (1,209 in one bench run, 6.6 µs a request on the main thread; bench/README.md).
// V8 reads it only at start-up, hence the launcher line; src/cli/launcher-flags.ts reads it back for the
// benchmark and the tests, which start this file with `node`.
// Strata pins its AWS SDK in package-lock.json and runs on Node 20; the SDK's notice that *later* SDK
// releases will need Node 22 is noise in every command's output, so it is off unless the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/src/cli/main.js');

await main(process.argv.slice(2));
