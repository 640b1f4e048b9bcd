import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serverNodeFlags } from '../scripts/build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const command = `node ${serverNodeFlags.join(' ')} packages/server/dist/main.js`;

test('every way of starting the built server gives Node the same flags', () => {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const starters = {
    'npm start': scripts.start,
    'deploy/systemd/vaahshare@.service': fs.readFileSync(path.join(root, 'deploy/systemd/vaahshare@.service'), 'utf8'),
    'deploy/try-cluster.sh': fs.readFileSync(path.join(root, 'deploy/try-cluster.sh'), 'utf8'),
  };
  for (const [name, text] of Object.entries(starters)) {
    const started = [...text.matchAll(/node( --\S+)* packages\/server\/dist\/main\.js/g)].map((m) => m[0]);
    assert.ok(started.length > 0, `${name} does not start packages/server/dist/main.js`);
    for (const line of started) assert.ok(line.endsWith(command), `${name} runs "${line}", not "${command}"`);
  }
});
