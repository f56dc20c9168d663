#!/usr/bin/env node
// Strata pins its AWS SDK in package-lock.json and runs on Node 20; the SDK's notice that *later* SDK
// releases will need Node 22 is noise in every command's output, so it is off unless the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/src/cli/main.js');

await main(process.argv.slice(2));
