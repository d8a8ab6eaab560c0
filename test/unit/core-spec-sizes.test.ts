// core/spec/sizes.ts: the one size parser behind run-image -m/--shm-size and the units' `memory`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSize } from '../../src/core/spec/sizes.ts';

test('binary units, optional i and b, any case, a fraction', () => {
  assert.is(parseSize('512'), 512);
  assert.is(parseSize('64k'), 64 * 1024);
  assert.is(parseSize('512m'), 512 * 1024 ** 2);
  assert.is(parseSize('1.5g'), 1.5 * 1024 ** 3);
  assert.is(parseSize('2GiB'), 2 * 1024 ** 3);
  assert.is(parseSize('100mb'), 100 * 1024 ** 2);
  assert.is(parseSize('256 m'), 256 * 1024 ** 2);
  assert.is(parseSize('1t'), 1024 ** 4);
});

test('anything else is undefined, for the caller to name its field', () => {
  for (const bad of ['', 'm', '-1m', '1x', '1.g', 'lots']) assert.is(parseSize(bad), undefined, bad);
});

test.run();
