import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import installer from '@ffmpeg-installer/ffmpeg';
import { pino } from 'pino';
import { startServer, tempDir, waitUntil } from '@vaahshare/testkit';
import { BUNDLED_FFMPEG_WARNING, FFMPEG_PATH, resolveFfmpeg, warnIfBundledFfmpeg } from './ffmpeg.js';

test("the system's ffmpeg on PATH is preferred; without one, the bundled build, and a warning", () => {
  const bin = tempDir('vaahshare-path-');
  try {
    const system = path.join(bin, 'ffmpeg');
    fs.writeFileSync(system, '#!/bin/sh\n', { mode: 0o755 });
    assert.deepEqual(resolveFfmpeg(`/nonexistent${path.delimiter}${bin}`), { path: system, bundled: false });
    assert.deepEqual(resolveFfmpeg('/nonexistent'), { path: installer.path, bundled: true });

    const warnings: string[] = [];
    warnIfBundledFfmpeg({ warn: (m) => void warnings.push(m) }, { path: system, bundled: false });
    assert.equal(warnings.length, 0);
    warnIfBundledFfmpeg({ warn: (m) => void warnings.push(m) }, { path: installer.path, bundled: true });
    assert.deepEqual(warnings, [BUNDLED_FFMPEG_WARNING]);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test('a server started with only the bundled build says so in its log', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) });
  const t = await startServer({}, { loggerInstance: pino({ level: 'warn' }, sink) });
  try {
    const warned = () => lines.some((l) => l.includes(BUNDLED_FFMPEG_WARNING));
    if (FFMPEG_PATH === installer.path) await waitUntil(warned, 5000, 'the warning');
    else assert.equal(warned(), false, `a system ffmpeg (${FFMPEG_PATH}) is no reason to warn`);
  } finally {
    await t.dispose();
  }
});
