// The engine's JSON-lines progress stream: chunks may split lines and UTF-8 characters anywhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  JsonLinesParser,
  toBuildEvents,
  type BuildEvent,
  type ProgressMessage,
} from '../../src/core/build/progress.ts';

const IMAGE_ID = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';
const UNICODE = 'héllo ✓ 🐳';

const LINES: object[] = [
  { stream: 'Step 1/3 : FROM scratch\n' },
  { stream: ' ---> abc\n' },
  { stream: 'Step 2/3 : RUN echo héllo\n' },
  { stream: `${UNICODE}\n` },
  { aux: { ID: IMAGE_ID } },
  { status: 'Downloading', id: 'l1', progressDetail: { current: 5, total: 10 }, progress: '[=====>     ]' },
  { errorDetail: { message: 'boom' }, error: 'boom' },
];
const STREAM = Buffer.from(LINES.map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8');

const EXPECTED: BuildEvent[] = [
  { type: 'step', step: { number: 1, total: 3, instruction: 'FROM scratch' } },
  { type: 'output', text: 'Step 1/3 : FROM scratch' },
  { type: 'output', text: ' ---> abc' },
  { type: 'step', step: { number: 2, total: 3, instruction: 'RUN echo héllo' } },
  { type: 'output', text: 'Step 2/3 : RUN echo héllo' },
  { type: 'output', text: UNICODE },
  { type: 'image', imageId: IMAGE_ID },
  { type: 'progress', id: 'l1', status: 'Downloading', current: 5, total: 10 },
  { type: 'error', message: 'boom' },
];

function feed(chunks: Buffer[]): { messages: ProgressMessage[]; events: BuildEvent[] } {
  const parser = new JsonLinesParser();
  const messages: ProgressMessage[] = [];
  for (const chunk of chunks) messages.push(...parser.push(chunk));
  messages.push(...parser.end());
  return { messages, events: messages.flatMap(toBuildEvents) };
}

test('the stream really contains multi-byte UTF-8 (so splits land inside characters)', () => {
  assert.ok(STREAM.length > STREAM.toString('utf8').length);
  assert.ok(STREAM.includes(Buffer.from('🐳', 'utf8')));
});

test('parsed whole: every message, in order, as the expected events', () => {
  const { messages, events } = feed([STREAM]);
  assert.is(messages.length, LINES.length);
  assert.equal(messages, LINES);
  assert.equal(events, EXPECTED);
});

test('split into two chunks at every byte index → the same events as parsed whole', () => {
  const whole = feed([STREAM]);
  for (let i = 0; i <= STREAM.length; i++) {
    const split = feed([STREAM.subarray(0, i), STREAM.subarray(i)]);
    // Comparing serialised forms keeps the loop fast and shows the split index on failure.
    if (JSON.stringify(split.events) !== JSON.stringify(whole.events)) {
      assert.equal(split.events, whole.events, `split at byte ${i}`);
    }
    if (JSON.stringify(split.messages) !== JSON.stringify(whole.messages)) {
      assert.equal(split.messages, whole.messages, `split at byte ${i}`);
    }
  }
});

test('split into three chunks around every multi-byte character → the same events', () => {
  const whole = JSON.stringify(feed([STREAM]).events);
  for (let i = 0; i < STREAM.length; i++) {
    if (STREAM[i]! < 0x80) continue;
    for (const j of [i + 1, i + 2, i + 3]) {
      const got = JSON.stringify(feed([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]).events);
      assert.is(got, whole, `split at ${i} and ${j}`);
    }
  }
});

test('fed one byte at a time → the same events', () => {
  const bytes = [...STREAM].map((b) => Buffer.from([b]));
  assert.equal(feed(bytes).events, EXPECTED);
});

test('push returns complete lines as soon as their "\\n" arrives, not before', () => {
  const parser = new JsonLinesParser();
  const first = Buffer.from('{"stream":"a\\n"}\n{"stream":"b');
  assert.equal(parser.push(first), [{ stream: 'a\n' }]);
  assert.equal(parser.push(Buffer.from('\\n"}')), []);
  assert.equal(parser.push(Buffer.from('\n')), [{ stream: 'b\n' }]);
  assert.equal(parser.end(), []);
});

test('string chunks and CRLF line endings are accepted', () => {
  const parser = new JsonLinesParser();
  const messages = [
    ...parser.push('{"stream":"x\\n"}\r\n{"status":"Pulling"}\r'),
    ...parser.push('\n'),
    ...parser.end(),
  ];
  assert.equal(messages, [{ stream: 'x\n' }, { status: 'Pulling' }]);
});

test('a non-JSON line becomes output', () => {
  const { messages, events } = feed([Buffer.from('{"stream":"ok\\n"}\n<html>502 Bad Gateway</html>\n')]);
  assert.equal(messages, [{ stream: 'ok\n' }, { stream: '<html>502 Bad Gateway</html>\n' }]);
  assert.equal(events, [
    { type: 'output', text: 'ok' },
    { type: 'output', text: '<html>502 Bad Gateway</html>' },
  ]);
});

test('JSON that is not an object (a number, null) is dropped; blank lines are skipped', () => {
  const { messages } = feed([Buffer.from('42\nnull\n\n   \n{"stream":"x"}\n')]);
  assert.equal(messages, [{ stream: 'x' }]);
});

test('a trailing line without "\\n" is returned by end()', () => {
  const parser = new JsonLinesParser();
  assert.equal(parser.push(Buffer.from('{"aux":{"ID":"sha256:1"}}')), []);
  assert.equal(parser.end(), [{ aux: { ID: 'sha256:1' } }]);
  // end() empties the parser.
  assert.equal(parser.end(), []);

  const text = new JsonLinesParser();
  assert.equal(text.push(Buffer.from('{"stream":"a\\n"}\nplain tail')), [{ stream: 'a\n' }]);
  assert.equal(text.end(), [{ stream: 'plain tail\n' }]);
});

test('a trailing line cut inside a multi-byte character still decodes what arrived', () => {
  const bytes = Buffer.from(`{"stream":"${UNICODE}"}`, 'utf8');
  const parser = new JsonLinesParser();
  // Everything but the last 3 bytes ("}), then the rest: still one message at end().
  assert.equal(parser.push(bytes.subarray(0, bytes.length - 3)), []);
  assert.equal(parser.push(bytes.subarray(bytes.length - 3)), []);
  assert.equal(parser.end(), [{ stream: UNICODE }]);
});

test('toBuildEvents: one stream message with several lines gives one output per line', () => {
  assert.equal(toBuildEvents({ stream: 'Step 3/3 : CMD ["x"]\nline two\n\n' }), [
    { type: 'step', step: { number: 3, total: 3, instruction: 'CMD ["x"]' } },
    { type: 'output', text: 'Step 3/3 : CMD ["x"]' },
    { type: 'output', text: 'line two' },
  ]);
});

test('toBuildEvents: an error message wins over everything else in the same message', () => {
  assert.equal(toBuildEvents({ error: '  plain error  ', stream: 'ignored\n' }), [
    { type: 'error', message: 'plain error' },
  ]);
  assert.equal(toBuildEvents({ errorDetail: { message: 'detailed' }, error: 'short' }), [
    { type: 'error', message: 'detailed' },
  ]);
  assert.equal(toBuildEvents({ errorDetail: {} }), [{ type: 'error', message: 'unknown error' }]);
});

test('toBuildEvents: status without progressDetail, and aux without an ID', () => {
  assert.equal(toBuildEvents({ status: 'Pull complete', id: 'abc' }), [
    { type: 'progress', id: 'abc', status: 'Pull complete', current: undefined, total: undefined },
  ]);
  assert.equal(toBuildEvents({ aux: { Tag: 'x' } }), []);
});

test('toBuildEvents: "Step" only counts at the start of a line', () => {
  const events = toBuildEvents({ stream: 'echo Step 1/2 : nope\n' });
  assert.equal(events, [{ type: 'output', text: 'echo Step 1/2 : nope' }]);
});

test.run();
