import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface LockedPackage {
  version?: string;
  engines?: { node?: string };
  optional?: boolean;
  os?: string[];
  cpu?: string[];
}

test('every locked package runs on every Node the project declares (npm ci prints no EBADENGINE)', () => {
  const declared = JSON.parse(read('package.json')).engines.node as string;
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockedPackage> };
  assert.equal(lock.packages[''].engines?.node, declared, 'the lock file was written with the declared engines');
  // Platform-specific optional packages (native bindings) are installed only where they fit.
  const installedHere = (p: LockedPackage) => !p.optional || (p.os?.includes(process.platform) === true && (p.cpu ?? [process.arch]).includes(process.arch));
  // Every release line the declaration admits, at its lowest version (semver.subset cannot compare unions).
  const nodes = Array.from({ length: 30 }, (_, i) => i + 18).flatMap((major) => Array.from({ length: 40 }, (_, minor) => `${major}.${minor}.0`));
  const declaredNodes = nodes.filter((v) => semver.satisfies(v, declared));
  const narrower = Object.entries(lock.packages)
    .filter(([name, p]) => name && p.engines?.node && installedHere(p))
    .flatMap(([name, p]) => {
      const range = new semver.Range(p.engines!.node!);
      const refused = declaredNodes.filter((v) => !range.test(v));
      return refused.length ? [`${name}@${p.version} wants node ${range.raw}, not ${refused[0]}`] : [];
    });
  assert.deepEqual(narrower, [], `packages that refuse some Node of "${declared}"`);
  assert.ok(semver.satisfies(process.version, declared), `this Node (${process.version}) is one the project declares`);
});

test('README and CI say the same Node as package.json', () => {
  const declared = JSON.parse(read('package.json')).engines.node as string;
  assert.match(read('README.md'), /Node 20\.19\+, 22\.13\+ or 24–26/);
  assert.match(read('README.md'), /Node 22 LTS is the supported runtime: CI runs every test on it/);
  const ciNode = read('.ci/run').match(/^CI_NODE_VERSION=(\S+)$/m)?.[1];
  assert.ok(ciNode && semver.major(ciNode) === 22 && semver.satisfies(ciNode, declared), `CI runs on Node 22, one the project declares (${ciNode})`);
  assert.match(read('.npmrc'), /^engine-strict=true$/m, 'npm refuses an install on a Node the project does not declare');
});
