import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionLabel, actorText, detailsText, targetText } from './audit-text';

test('an entry reads as who, what, to whom and the details in words', () => {
  assert.equal(actionLabel('live-view-ended'), 'Stopped watching live');
  assert.equal(actionLabel('something-new'), 'something-new', 'an action this dashboard does not know yet is shown as is');
  assert.equal(actorText({ actor: { kind: 'user', user_id: 1, email: 'boss@example.com' } }), 'boss@example.com');
  assert.equal(actorText({ actor: { kind: 'system', user_id: null, email: null } }), 'the server');
  assert.equal(targetText({ target: { kind: 'client', id: 4, label: 'alice@pc-1' } }), 'client alice@pc-1');
  assert.equal(targetText({ target: { kind: 'token', id: 9, label: null } }), 'token #9');
  assert.equal(targetText({ target: null }), '—');
  assert.equal(detailsText({ action: 'live-view-ended', details: { started_at: '2026-01-01T10:00:00Z', seconds: 3900 } }), 'watched for 1 h 5 min');
  assert.equal(detailsText({ action: 'live-view-ended', details: { seconds: 42 } }), 'watched for 42 s');
  assert.equal(
    detailsText({ action: 'settings-changed', details: { idle_threshold_seconds: { from: 300, to: 120 }, idle_message: { from: 'a', to: 'b' } } }),
    'idle threshold seconds: 300 → 120; idle message: “a” → “b”',
  );
  assert.equal(detailsText({ action: 'login-failed', details: { reason: 'wrong password' } }), 'reason: wrong password');
  assert.equal(detailsText({ action: 'logged-in', details: null }), '');
  assert.equal(detailsText({ action: 'recordings-deleted', details: { reason: 'retention', ids: [4, 5], bytes: 900 } }), 'reason: retention; ids: 4,5; bytes: 900');
  assert.equal(
    detailsText({ action: 'recordings-deleted', details: { reason: 'empty', ids: [6], bytes: 557 } }),
    'reason: a live recording with no video frame; ids: 6; bytes: 557',
  );
});

test('a change of role and groups reads before → after; moved clients by name', () => {
  const before = { role: 'auditor', group_ids: [], may_download: false };
  const after = { role: 'viewer', group_ids: [3, 4], may_download: true };
  assert.equal(detailsText({ action: 'user-access-changed', details: { before, after } }), 'auditor → viewer of groups 3, 4, may download');
  assert.equal(detailsText({ action: 'user-access-changed', details: { before: after, after: { ...after, group_ids: [] } } }), 'viewer of groups 3, 4, may download → viewer of no group, may download');
  const moved = { clients: [{ id: 1, user_host: 'ann@pc', from_group: 2 }, { id: 2, user_host: 'bob@pc', from_group: 2 }] };
  assert.equal(detailsText({ action: 'clients-moved', details: moved }), 'ann@pc, bob@pc');
  assert.equal(actionLabel('group-deleted'), 'Deleted a group');
});
