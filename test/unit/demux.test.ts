// The engine's multiplexed stream: 8-byte headers [type, 0, 0, 0, uint32 BE size] + payload.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough, type Readable } from 'node:stream';
import { EngineError } from 'harpoon';
import { demux, FrameParser } from '../../src/core/container/demux.ts';
import type { Frame, StreamType } from '../../src/core/container/demux.ts';

const TYPE: Record<StreamType, number> = { stdin: 0, stdout: 1, stderr: 2, error: 3 };

function frame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const plain = (frames: Frame[]) => frames.map((f) => ({ stream: f.stream, payload: f.payload.toString('utf8') }));

function parseAll(chunks: Buffer[]): Frame[] {
  const parser = new FrameParser();
  const frames: Frame[] = [];
  for (const chunk of chunks) frames.push(...parser.push(chunk));
  assert.is(parser.pending, 0, 'bytes left over');
  return frames;
}

const SAMPLE = [
  { stream: 'stdout' as const, payload: 'hello from stdout\n' },
  { stream: 'stderr' as const, payload: 'warn: ✓ 🐳\n' },
  { stream: 'stdout' as const, payload: '' },
  { stream: 'stdin' as const, payload: 'typed' },
  { stream: 'stdout' as const, payload: 'x'.repeat(300) },
  { stream: 'error' as const, payload: 'engine says no' },
  { stream: 'stderr' as const, payload: '' },
];
const SAMPLE_BYTES = Buffer.concat(SAMPLE.map((f) => frame(TYPE[f.stream], f.payload)));

async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.unreachable('expected a rejection');
  return undefined;
}

// --- FrameParser --------------------------------------------------------------------------

test('whole buffer → every frame, with its stream and payload', () => {
  assert.equal(plain(parseAll([SAMPLE_BYTES])), SAMPLE);
});

test('split into two chunks at every byte boundary → the same frames', () => {
  const expected = JSON.stringify(SAMPLE);
  for (let i = 0; i <= SAMPLE_BYTES.length; i++) {
    const got = plain(parseAll([SAMPLE_BYTES.subarray(0, i), SAMPLE_BYTES.subarray(i)]));
    assert.is(JSON.stringify(got), expected, `split at byte ${i}`);
  }
});

test('fed one byte at a time → the same frames', () => {
  const chunks = [...SAMPLE_BYTES].map((b) => Buffer.from([b]));
  assert.equal(plain(parseAll(chunks)), SAMPLE);
});

test('payload bytes are exact, including bytes that look like headers', () => {
  const tricky = Buffer.from([1, 0, 0, 0, 0, 0, 0, 5, 0xff, 0x00, 0x0a]);
  const frames = parseAll([frame(1, tricky), frame(2, Buffer.from([0]))]);
  assert.is(frames.length, 2);
  assert.ok(frames[0]!.payload.equals(tricky));
  assert.is(frames[1]!.stream, 'stderr');
  assert.ok(frames[1]!.payload.equals(Buffer.from([0])));
});

test('zero-length frames are frames with an empty payload', () => {
  const frames = parseAll([Buffer.concat([frame(1, ''), frame(2, ''), frame(1, 'x')])]);
  assert.equal(plain(frames), [
    { stream: 'stdout', payload: '' },
    { stream: 'stderr', payload: '' },
    { stream: 'stdout', payload: 'x' },
  ]);
  // A lone zero-length frame is complete with its header alone.
  const parser = new FrameParser();
  assert.equal(plain(parser.push(frame(2, ''))), [{ stream: 'stderr', payload: '' }]);
  assert.is(parser.pending, 0);
});

test('pending counts the bytes of an incomplete frame', () => {
  const parser = new FrameParser();
  const bytes = frame(1, 'abcdef');
  assert.equal(parser.push(bytes.subarray(0, 5)), []);
  assert.is(parser.pending, 5);
  assert.equal(parser.push(bytes.subarray(5, 10)), []);
  assert.is(parser.pending, 10);
  assert.equal(plain(parser.push(bytes.subarray(10))), [{ stream: 'stdout', payload: 'abcdef' }]);
  assert.is(parser.pending, 0);
});

test('an unknown frame type → EngineError naming the type', () => {
  const parser = new FrameParser();
  try {
    parser.push(frame(7, 'x'));
    assert.unreachable('expected a throw');
  } catch (err) {
    assert.instance(err, EngineError);
    assert.match((err as Error).message, 'unknown frame type 7');
  }
});

// Regression (was a bug): src/core/container/demux.ts FrameParser.push() checks the frame type only once the whole
// payload has arrived (`if (this.#buffer.length < HEADER + size) break;` comes first). A header
// with a bad type and a large size (e.g. a TTY stream demuxed by mistake: "hello wo" reads as
// type 0x68, size 0x6f20776f ≈ 1.8 GB) is buffered silently instead of failing. Docker's
// stdcopy.StdCopy rejects the header ("Unrecognized input header") as soon as it is read.
test('an unknown frame type is reported as soon as its header arrives', () => {
  const parser = new FrameParser();
  assert.throws(
    () => parser.push(Buffer.from('hello world, this is a TTY stream\n')),
    (err: unknown) => err instanceof EngineError,
  );
});

// --- demux --------------------------------------------------------------------------------

test('demux: stdout and stderr kept apart, both end when the source ends, done resolves', async () => {
  const source = new PassThrough();
  const { stdout, stderr, done } = demux(source);
  const out = collect(stdout);
  const err = collect(stderr);
  const bytes = Buffer.concat([
    frame(1, 'out 1\n'),
    frame(2, 'err 1\n'),
    frame(1, ''),
    frame(1, 'out 2 🐳\n'),
    frame(0, 'stdin echo'),
    frame(2, 'err 2\n'),
  ]);
  // Written in awkward pieces, across frame and character boundaries.
  let at = 0;
  for (const size of [3, 9, 1, 14, 5, 20, 2]) {
    source.write(bytes.subarray(at, at + size));
    at += size;
  }
  source.end(bytes.subarray(at));
  assert.is(await out, 'out 1\nout 2 🐳\n');
  assert.is(await err, 'err 1\nerr 2\n');
  await done;
  assert.ok(stdout.readableEnded);
  assert.ok(stderr.readableEnded);
});

test('demux: an empty source ends both outputs and resolves', async () => {
  const source = new PassThrough();
  const { stdout, stderr, done } = demux(source);
  source.end();
  assert.is(await collect(stdout), '');
  assert.is(await collect(stderr), '');
  await done;
});

test('demux: a type-3 frame makes done reject with an EngineError carrying the message; output still delivered', async () => {
  const source = new PassThrough();
  const { stdout, stderr, done } = demux(source);
  const out = collect(stdout);
  const err = collect(stderr);
  source.write(frame(1, 'partial output\n'));
  source.write(frame(3, 'error from daemon: '));
  source.end(frame(3, 'container killed\n'));
  const failure = await rejection(done);
  assert.instance(failure, EngineError);
  assert.is((failure as EngineError).message, 'error from daemon: container killed');
  assert.is((failure as EngineError).code, 'ENGINE_ERROR');
  assert.is(await out, 'partial output\n');
  assert.is(await err, '', 'the engine error is not container stderr');
});

test('demux: an unknown frame type → done rejects with an EngineError and both outputs end', async () => {
  const source = new PassThrough();
  const { stdout, stderr, done } = demux(source);
  const out = collect(stdout);
  const err = collect(stderr);
  source.write(frame(1, 'before\n'));
  source.write(frame(9, 'garbage'));
  const failure = await rejection(done);
  assert.instance(failure, EngineError);
  assert.match((failure as Error).message, 'unknown frame type 9');
  assert.is(await out, 'before\n');
  assert.is(await err, '');
  assert.ok(source.destroyed, 'the source is torn down');
});

test('demux: a source error rejects done with that error and ends both outputs', async () => {
  const source = new PassThrough();
  const { stdout, stderr, done } = demux(source);
  const out = collect(stdout);
  const err = collect(stderr);
  source.write(frame(2, 'e\n'));
  // Let the frame flow before the failure.
  await new Promise((resolve) => setImmediate(resolve));
  const boom = new Error('socket hang up');
  source.destroy(boom);
  assert.is(await rejection(done), boom);
  assert.is(await out, '');
  assert.is(await err, 'e\n');
});

test.run();
