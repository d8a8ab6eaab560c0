// The order removeManaged removes images in: every image before its parent, whatever their
// Created seconds say (ties and even clocks going backwards), and a stable order without parents.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { childrenFirst, type ManagedImage } from '../../src/core/cleanup.ts';

const image = (id: string, created: number, parent?: string): ManagedImage => ({ id, tags: [], created, parent });
const order = (images: ManagedImage[]) => childrenFirst(images).map((i) => i.id);

test('a chain in one second goes child first, whatever order it is listed in', () => {
  const chain = [image('p', 100), image('c', 100, 'p'), image('g', 100, 'c')];
  for (const listed of [chain, [...chain].reverse(), [chain[1]!, chain[0]!, chain[2]!]])
    assert.equal(order(listed), ['g', 'c', 'p']);
});

test('the parent chain wins over Created (a child stamped earlier than its parent)', () => {
  assert.equal(order([image('p', 200), image('c', 100, 'p')]), ['c', 'p']);
});

test('a parent waits for all its children; a parent outside the set does not hold anything', () => {
  const ids = order([image('p', 100), image('a', 101, 'p'), image('b', 102, 'p'), image('x', 103, 'not-listed')]);
  assert.ok(ids.indexOf('p') > ids.indexOf('a') && ids.indexOf('p') > ids.indexOf('b'));
  assert.is(ids.length, 4);
});

test('without parent info (loaded, BuildKit): newest first, then by id', () => {
  assert.equal(order([image('b', 100), image('a', 100), image('n', 300)]), ['n', 'a', 'b']);
});

test('nothing is dropped, even for a (impossible) parent cycle', () => {
  assert.equal(order([image('a', 1, 'b'), image('b', 2, 'a'), image('c', 3)]).sort(), ['a', 'b', 'c']);
});

test.run();
