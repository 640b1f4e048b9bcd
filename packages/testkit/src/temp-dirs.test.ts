import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';

/** Runs a node process that makes a directory with testkit's `tempDir`, writes in it, and ends with `exitCode`. */
function makeDirInProcess(exitCode: number, env: Record<string, string> = {}): string {
  const script = `import('@vaahshare/testkit').then(({ tempDir }) => {
    const dir = tempDir('vaahshare-tempdir-probe-');
    require('node:fs').writeFileSync(dir + '/data', 'x');
    console.log(dir);
    process.exit(${exitCode});
  });`;
  try {
    return execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
  } catch (err) {
    return String((err as { stdout: string }).stdout).trim(); // a non-zero exit, as a failed test file's
  }
}

test("tempDir's directories go when the process ends, failed or not; KEEP_TEST_DIRS=1 keeps them", () => {
  for (const exitCode of [0, 1]) {
    const dir = makeDirInProcess(exitCode, { KEEP_TEST_DIRS: '' });
    assert.match(dir, /vaahshare-tempdir-probe-/);
    assert.equal(fs.existsSync(dir), false, `removed after exit code ${exitCode}`);
  }
  const kept = makeDirInProcess(1, { KEEP_TEST_DIRS: '1' });
  try {
    assert.equal(fs.readFileSync(`${kept}/data`, 'utf8'), 'x');
  } finally {
    fs.rmSync(kept, { recursive: true, force: true });
  }
});
