import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromCheckout } from './invocation.js';

test('from a checkout, the printed command is npx inside the repository and node with the script elsewhere', () => {
  const script = '/home/ana/vaahshare/packages/agent/bin/vaahshare-agent.js';
  assert.equal(fromCheckout(script, '/home/ana/vaahshare'), 'npx vaahshare-agent');
  assert.equal(fromCheckout(script, '/home/ana/vaahshare/packages/server'), 'npx vaahshare-agent');
  assert.equal(fromCheckout(script, '/home/ana'), `node ${script}`);
  assert.equal(fromCheckout('/home/ana/my code/packages/agent/bin/vaahshare-agent.js', '/tmp'), 'node "/home/ana/my code/packages/agent/bin/vaahshare-agent.js"');
});
