import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageCutoff, DAY_MS, Tally, takeUntilCovered, walksOf, type CompanyPolicy } from './policy.js';

/** A fixed "now": the policy functions take the clock's time, never read one. */
const NOW = Date.UTC(2026, 11, 1, 12);

const policy = (overrides: Partial<CompanyPolicy> = {}): CompanyPolicy => ({ companyId: 1, days: null, maxBytes: null, clients: [], ...overrides });

test('no rule: nothing to walk', () => {
  assert.deepEqual(walksOf(policy(), NOW), []);
});

test('ages first (a client’s own days replace the company’s for it), then each client’s cap, then the company’s', () => {
  const walks = walksOf(
    policy({ days: 30, maxBytes: 5000, clients: [{ clientId: 7, days: 2, maxBytes: null }, { clientId: 8, days: null, maxBytes: 100 }] }),
    NOW,
  );
  assert.deepEqual(walks, [
    { kind: 'age', scope: { companyId: 1, clientId: 7, before: NOW - 2 * DAY_MS } },
    { kind: 'age', scope: { companyId: 1, exceptClients: [7], before: NOW - 30 * DAY_MS } },
    { kind: 'size', scope: { companyId: 1, clientId: 8 }, maxBytes: 100, clientId: 8 },
    { kind: 'size', scope: { companyId: 1 }, maxBytes: 5000 },
  ]);
});

test('the age cutoff moves with the clock', () => {
  assert.equal(ageCutoff(7, NOW), NOW - 7 * DAY_MS);
  assert.equal(ageCutoff(7, NOW + DAY_MS) - ageCutoff(7, NOW), DAY_MS);
});

test('takeUntilCovered: the oldest first, until their sizes cover what is over', () => {
  const rows = [{ size: 40 }, { size: 40 }, { size: 40 }];
  assert.deepEqual(takeUntilCovered(rows, 0), []);
  assert.deepEqual(takeUntilCovered(rows, 41), rows.slice(0, 2));
  assert.deepEqual(takeUntilCovered(rows, 80), rows.slice(0, 2));
  assert.deepEqual(takeUntilCovered(rows, 500), rows);
});

test('Tally: what is taken counts once, against the client and the company', () => {
  const tally = new Tally(new Map([[7, { bytes: 300 }], [8, { bytes: 200 }]]));
  assert.equal(tally.over(400), 100);
  assert.equal(tally.over(100, 7), 200);
  tally.add([{ id: 1, client_id: 7, size: 150 }]);
  assert.equal(tally.over(400), -50);
  assert.equal(tally.over(100, 7), 50);
  assert.equal(tally.over(100, 8), 100);
  assert.ok(tally.ids.has(1));
});
