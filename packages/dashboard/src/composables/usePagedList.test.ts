import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ListBody } from '@vaahshare/protocol';
import { effectScope, nextTick, ref } from 'vue';
import { usePagedList } from './usePagedList';

/** A list whose pages the test answers, in the order it chooses. */
function heldPages() {
  const asked: Array<{ page: number; answer: (names: string[]) => void; fail: (err: Error) => void }> = [];
  const fetchPage = (page: number) =>
    new Promise<ListBody<string>>((resolve, reject) => {
      asked.push({ page, answer: (names) => resolve({ data: names, meta: { total: 100, page, per_page: 10 } }), fail: reject });
    });
  return { asked, fetchPage };
}

/** Lets the awaited answers land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setUp() {
  const filter = ref('a');
  const { asked, fetchPage } = heldPages();
  const scope = effectScope();
  const list = scope.run(() => usePagedList({ fetchPage, rows: () => 10, query: filter, what: 'Things' }))!;
  return { filter, asked, list, stop: () => scope.stop() };
}

test('an answer that comes back after a newer request was sent is dropped: the table shows what its filters say', async () => {
  const { filter, asked, list, stop } = setUp();
  filter.value = 'b';
  await nextTick();
  assert.equal(asked.length, 2);
  asked[1].answer(['b1']);
  await settle();
  asked[0].answer(['a1']);
  await settle();
  assert.deepEqual(list.items.value, ['b1']);
  assert.equal(list.loading.value, false);
  stop();
});

test('paging loads the page asked for; a new query starts again at the first page', async () => {
  const { filter, asked, list, stop } = setUp();
  asked[0].answer(['a1']);
  list.onPage({ page: 2 });
  assert.equal(asked[1].page, 3);
  asked[1].answer(['a21']);
  await settle();
  assert.equal(list.first.value, 20);
  filter.value = 'b';
  await nextTick();
  assert.equal(asked[2].page, 1);
  assert.equal(list.first.value, 0);
  stop();
});

test('a failed load says what could not be loaded and why; the next success clears it', async () => {
  const { asked, list, stop } = setUp();
  asked[0].fail(new Error('network down'));
  await settle();
  assert.match(list.error.value ?? '', /^Things could not be loaded: /);
  void list.load();
  asked[1].answer(['a1']);
  await settle();
  assert.equal(list.error.value, null);
  stop();
});
