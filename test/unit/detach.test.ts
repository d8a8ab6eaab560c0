// Detach keys: parsing the docker CLI's spelling, and spotting the sequence in typed input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInputError } from 'harpoon';
import { DEFAULT_DETACH_KEYS, DetachFilter, parseDetachKeys } from '../../src/core/container/detach.ts';

const bytes = (buf: Buffer) => [...buf];
const CTRL_P = 0x10;
const CTRL_Q = 0x11;

/** Feed chunks; collect what is forwarded and whether (and when) it detached. */
function run(keys: string, chunks: number[][]): { forwarded: number[]; detachedAt: number | undefined } {
  const filter = new DetachFilter(parseDetachKeys(keys));
  const forwarded: number[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const { forward, detach } = filter.push(Buffer.from(chunks[i]!));
    forwarded.push(...forward);
    if (detach) return { forwarded, detachedAt: i };
  }
  return { forwarded, detachedAt: undefined };
}

// --- parseDetachKeys ----------------------------------------------------------------------

test('"ctrl-p,ctrl-q" (the default) → [0x10, 0x11]', () => {
  assert.is(DEFAULT_DETACH_KEYS, 'ctrl-p,ctrl-q');
  assert.equal(bytes(parseDetachKeys('ctrl-p,ctrl-q')), [CTRL_P, CTRL_Q]);
  assert.equal(bytes(parseDetachKeys(DEFAULT_DETACH_KEYS)), [0x10, 0x11]);
});

test('a single letter, and ctrl-<letter>', () => {
  assert.equal(bytes(parseDetachKeys('a')), [0x61]);
  assert.equal(bytes(parseDetachKeys('ctrl-a')), [0x01]);
  assert.equal(bytes(parseDetachKeys('ctrl-z')), [0x1a]);
  assert.equal(bytes(parseDetachKeys('ctrl-a,x,ctrl-b')), [0x01, 0x78, 0x02]);
});

test('the punctuation control keys of the docker CLI: ctrl-@ ctrl-[ ctrl-\\ ctrl-] ctrl-^ ctrl-_', () => {
  assert.equal(
    bytes(parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')),
    [0x00, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f],
  );
});

test('invalid keys → InvalidInputError for the detachKeys field, quoting the bad part', () => {
  for (const spec of ['ctrl-1', 'ctrl-', 'ctrl-pp', 'alt-x', 'abc', '', 'ctrl-p,,ctrl-q', 'ctrl-p;ctrl-q']) {
    try {
      parseDetachKeys(spec);
      assert.unreachable(`"${spec}" should be refused`);
    } catch (err) {
      assert.instance(err, InvalidInputError, `spec ${JSON.stringify(spec)}`);
      assert.is((err as InvalidInputError).field, 'detachKeys');
      assert.is((err as InvalidInputError).code, 'INVALID_INPUT');
    }
  }
  try {
    parseDetachKeys('ctrl-p,meta-q');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, '"meta-q"');
  }
});

// Regression (was a bug): src/core/container/detach.ts parseDetachKeys() lower-cases every key
// (`part.trim().toLowerCase()`) before the single-character case, so "A" gives 0x61 ("a"). The
// docker CLI (moby/term ToBytes: `codes = append(codes, key[0])`) keeps a single character as
// typed: "A" → 0x41, so `--detach-keys=A` means Shift-A there and plain "a" here.
test('a single upper-case character is kept as typed (docker CLI: "A" → 0x41)', () => {
  assert.equal(bytes(parseDetachKeys('A')), [0x41]);
});

// Regression (was a bug): src/core/container/detach.ts parseDetachKeys() refuses "DEL", which moby/term ToBytes
// (used by the docker CLI for --detach-keys) accepts as byte 127.
test('"DEL" is accepted as 0x7f, as the docker CLI does', () => {
  assert.equal(bytes(parseDetachKeys('ctrl-p,DEL')), [CTRL_P, 0x7f]);
});

// --- DetachFilter -------------------------------------------------------------------------

test('the whole sequence in one chunk detaches, forwarding nothing', () => {
  assert.equal(run('ctrl-p,ctrl-q', [[CTRL_P, CTRL_Q]]), { forwarded: [], detachedAt: 0 });
});

test('the sequence split across chunks detaches; the first key is held back meanwhile', () => {
  const filter = new DetachFilter(parseDetachKeys('ctrl-p,ctrl-q'));
  const first = filter.push(Buffer.from([CTRL_P]));
  assert.equal(bytes(first.forward), []);
  assert.is(first.detach, false);
  const second = filter.push(Buffer.from([CTRL_Q]));
  assert.equal(bytes(second.forward), []);
  assert.is(second.detach, true);
});

test('a three-key sequence split over three chunks, with empty chunks between', () => {
  assert.equal(run('ctrl-a,ctrl-b,ctrl-c', [[1], [], [2], [], [3]]), { forwarded: [], detachedAt: 4 });
});

test('ctrl-p followed by another key forwards both bytes, in order', () => {
  assert.equal(run('ctrl-p,ctrl-q', [[CTRL_P], [0x61]]), { forwarded: [CTRL_P, 0x61], detachedAt: undefined });
  assert.equal(run('ctrl-p,ctrl-q', [[CTRL_P, 0x61, 0x62]]), {
    forwarded: [CTRL_P, 0x61, 0x62],
    detachedAt: undefined,
  });
});

test('bytes typed before the sequence in the same chunk are forwarded', () => {
  assert.equal(run('ctrl-p,ctrl-q', [[0x6c, 0x73, 0x0d, CTRL_P, CTRL_Q]]), {
    forwarded: [0x6c, 0x73, 0x0d],
    detachedAt: 0,
  });
});

test('bytes before the sequence, then the sequence split across chunks', () => {
  assert.equal(
    run('ctrl-p,ctrl-q', [
      [0x68, 0x69],
      [0x21, CTRL_P],
      [CTRL_Q, 0x78],
    ]),
    { forwarded: [0x68, 0x69, 0x21], detachedAt: 2 },
  );
});

test('ctrl-p ctrl-p ctrl-q: the first ctrl-p is forwarded, the rest detaches', () => {
  assert.equal(run('ctrl-p,ctrl-q', [[CTRL_P], [CTRL_P], [CTRL_Q]]), { forwarded: [CTRL_P], detachedAt: 2 });
  assert.equal(run('ctrl-p,ctrl-q', [[CTRL_P, CTRL_P, CTRL_Q]]), { forwarded: [CTRL_P], detachedAt: 0 });
});

test('a lone ctrl-q, or the keys in the wrong order, never detach and pass through unchanged', () => {
  assert.equal(run('ctrl-p,ctrl-q', [[CTRL_Q], [CTRL_Q, CTRL_P], [0x61]]), {
    forwarded: [CTRL_Q, CTRL_Q, CTRL_P, 0x61],
    detachedAt: undefined,
  });
});

test('after a broken sequence the filter starts over and can still detach', () => {
  assert.equal(run('ctrl-p,ctrl-q', [[CTRL_P, 0x7a], [CTRL_P], [CTRL_Q]]), {
    forwarded: [CTRL_P, 0x7a],
    detachedAt: 2,
  });
});

test('a single-key sequence detaches on that key alone', () => {
  assert.equal(
    run('ctrl-a', [
      [0x61, 0x62],
      [0x01, 0x63],
    ]),
    { forwarded: [0x61, 0x62], detachedAt: 1 },
  );
});

test('ordinary input passes through byte for byte', () => {
  const text = Buffer.from('echo héllo 🐳\r\n', 'utf8');
  assert.equal(run('ctrl-p,ctrl-q', [[...text]]), { forwarded: [...text], detachedAt: undefined });
});

test.run();
