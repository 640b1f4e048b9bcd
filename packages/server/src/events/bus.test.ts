import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus } from './bus.js';

interface TestEvents {
  ping: { n: number };
  pong: string;
}

function busWithErrors() {
  const errors: Array<{ event: string; message: string }> = [];
  const bus = new EventBus<TestEvents>((event, err) => errors.push({ event: String(event), message: (err as Error).message }));
  return { bus, errors };
}

test('emit calls the listeners of that event at once, in the order they were added', () => {
  const { bus } = busWithErrors();
  const heard: string[] = [];
  bus.on('ping', ({ n }) => void heard.push(`first ${n}`));
  bus.on('ping', ({ n }) => void heard.push(`second ${n}`));
  bus.on('pong', (text) => void heard.push(`pong ${text}`));
  bus.emit('ping', { n: 1 });
  assert.deepEqual(heard, ['first 1', 'second 1']);
});

test('a listener that throws or rejects is reported, and the others still run', async () => {
  const { bus, errors } = busWithErrors();
  const heard: number[] = [];
  bus.on('ping', () => {
    throw new Error('sync failure');
  });
  bus.on('ping', async () => {
    throw new Error('async failure');
  });
  bus.on('ping', ({ n }) => void heard.push(n));
  bus.emit('ping', { n: 7 });
  assert.deepEqual(heard, [7]);
  await Promise.resolve();
  assert.deepEqual(errors, [
    { event: 'ping', message: 'sync failure' },
    { event: 'ping', message: 'async failure' },
  ]);
});

test('a removed listener hears nothing more', () => {
  const { bus } = busWithErrors();
  const heard: number[] = [];
  const off = bus.on('ping', ({ n }) => void heard.push(n));
  bus.emit('ping', { n: 1 });
  off();
  bus.emit('ping', { n: 2 });
  assert.deepEqual(heard, [1]);
});

test('emitAndWait resolves once every listener finished, one after another', async () => {
  const { bus } = busWithErrors();
  const heard: string[] = [];
  let releaseFirst!: () => void;
  bus.on('pong', async (text) => {
    await new Promise<void>((resolve) => (releaseFirst = resolve));
    heard.push(`first ${text}`);
  });
  bus.on('pong', (text) => void heard.push(`second ${text}`));
  const done = bus.emitAndWait('pong', 'x');
  await Promise.resolve();
  assert.deepEqual(heard, [], 'the second waits for the first');
  releaseFirst();
  await done;
  assert.deepEqual(heard, ['first x', 'second x']);
});

test('emitAndWait rejects with a listener\'s failure', async () => {
  const { bus } = busWithErrors();
  bus.on('pong', async () => {
    throw new Error('cannot');
  });
  await assert.rejects(bus.emitAndWait('pong', 'x'), /cannot/);
});
