#!/usr/bin/env node
// Entry point of the `modeshift` command. modeshift needs Node 22 or later;
// when started by an older Node, it re-runs itself under the Node 22 that the
// project installs (npm package `node`), so `./bin/modeshift.js` works too.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const local = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(local)) {
    process.stderr.write(
      `modeshift needs Node.js 22 or later (this is ${process.version}); run npm install first.\n`,
    );
    process.exit(1);
  }
  const result = spawnSync(local, process.argv.slice(1), { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

const { register } = await import('tsx/esm/api');
register();
await import('../cli/main.ts');
