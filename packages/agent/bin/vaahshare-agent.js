#!/usr/bin/env node
// Runs the CLI bundled into dist/cli.js (rebuilt when a source file is newer): it needs much less memory
// than TypeScript through tsx. Where dist cannot be written (a read-only install), tsx runs the source.
// Before `start`, the agent's window (dist/gui) is rebuilt when stale, in a child process so that the
// build's memory never stays in the agent.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildCli, guiIsFresh } from '../scripts/build.mjs';

if (process.argv[2] === 'start' && !guiIsFresh()) {
  const script = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));
  const built = spawnSync(process.execPath, [script, '--gui'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) process.stderr.write("vaahshare-agent: its window could not be built (it runs without it); `npm run build:agent` says why\n");
}
const bundle = await buildCli().catch(() => null);
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
