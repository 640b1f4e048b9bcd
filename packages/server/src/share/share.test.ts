import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { installErrorHandlers } from '../http-errors.js';
import { createMetrics } from '../infra/metrics.js';
import { tempDir } from '@vaahshare/testkit';
import { shareRoutes } from './share.routes.js';

async function appServing(dir: string) {
  const app = Fastify({ logger: false });
  installErrorHandlers(app, createMetrics());
  await app.register(shareRoutes, { dir });
  return app;
}

describe('/share serves the browser share page', () => {
  test('the page and its files; /share keeps the token of a link', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>share</title>');
    fs.writeFileSync(path.join(dir, 'share.js'), 'export {};');
    const app = await appServing(dir);
    const redirect = await app.inject('/share?token=abc');
    assert.equal(redirect.statusCode, 302);
    assert.equal(redirect.headers.location, '/share/?token=abc');
    const page = await app.inject('/share/?token=abc');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.equal((await app.inject('/share/share.js')).statusCode, 200);
    await app.close();
  });

  test('not built: 503 with what to run', async () => {
    const app = await appServing(tempDir());
    const res = await app.inject('/share/');
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { error: 'share_page_missing', message: 'The share page is not built: run `npm run build:agent` (npm start builds it)' });
    await app.close();
  });
});
