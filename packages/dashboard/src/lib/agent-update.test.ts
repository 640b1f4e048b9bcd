import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentUpdateOf } from './agent-update';

const held = { 'linux-x64': '1.1.0+new', 'win-x64': null };

test('an agent on another build than the one held for its platform is pending; the same build, a checkout, no build or the original client is not', () => {
  assert.deepEqual(agentUpdateOf({ agent_version: '1.0.0+old', agent_platform: 'linux-x64' }, held), {
    state: 'pending',
    label: 'update pending',
    text: 'Update pending: 1.0.0+old → 1.1.0+new',
  });
  assert.equal(agentUpdateOf({ agent_version: '1.1.0+new', agent_platform: 'linux-x64' }, held), null);
  assert.equal(agentUpdateOf({ agent_version: 'dev', agent_platform: 'linux-x64' }, held), null);
  assert.equal(agentUpdateOf({ agent_version: '1.0.0+old', agent_platform: 'win-x64' }, held), null);
  assert.equal(agentUpdateOf({ platform: 'win32' }, held), null);
});

test('what the agent reports wins: updating, or failed with its reason while that build is still the one held', () => {
  assert.equal(agentUpdateOf({ agent_version: '1.0.0+old', agent_platform: 'linux-x64', agent_update: { state: 'updating', version: '1.1.0+new' } }, held)?.text, 'Updating to 1.1.0+new');
  const failed = { agent_version: '1.0.0+old', agent_platform: 'linux-x64', agent_update: { state: 'failed', version: '1.1.0+new', reason: 'sha256 mismatch' } };
  assert.deepEqual(agentUpdateOf(failed, held), { state: 'failed', label: 'update failed', text: 'Update to 1.1.0+new failed: sha256 mismatch' });
  // A newer build published since: that one is pending.
  assert.equal(agentUpdateOf(failed, { 'linux-x64': '1.2.0+newer' })?.state, 'pending');
});
