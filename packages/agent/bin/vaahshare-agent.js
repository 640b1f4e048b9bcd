#!/usr/bin/env node
// Runs the CLI bundled into dist/cli.js (rebuilt when a source file is newer): it needs much less memory
// than TypeScript through tsx. Where dist cannot be written (a read-only install), tsx runs the source.
import { pathToFileURL } from 'node:url';
import { buildCli } from '../scripts/build.mjs';

const bundle = await buildCli().catch(() => null);
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
