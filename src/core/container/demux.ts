// The engine's multiplexed stream (non-TTY attach, logs, exec): frames of
//   [type, 0, 0, 0, size (uint32 big-endian)] + payload
// type 0 stdin, 1 stdout, 2 stderr, 3 an engine error (never container output).
import { PassThrough, type Readable } from 'node:stream';
import { EngineError } from '../errors.ts';

export type StreamType = 'stdin' | 'stdout' | 'stderr' | 'error';
export interface Frame {
  stream: StreamType;
  payload: Buffer;
}

const TYPES: StreamType[] = ['stdin', 'stdout', 'stderr', 'error'];
const HEADER = 8;

/** Incremental frame parser: feed chunks split anywhere, get whole frames. */
export class FrameParser {
  #buffer: Buffer = Buffer.alloc(0);

  /** Feed one chunk; returns the frames it completes. */
  push(chunk: Buffer): Frame[] {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.#buffer.length >= HEADER) {
      const type = this.#buffer[0]!;
      const stream = TYPES[type];
      // Checked at the header, before waiting for a payload whose size is garbage too
      // (a TTY stream read as multiplexed, say).
      if (!stream)
        throw new EngineError(`malformed multiplexed stream: unknown frame type ${type} (is this a TTY stream?)`);
      const size = this.#buffer.readUInt32BE(4);
      if (this.#buffer.length < HEADER + size) break;
      frames.push({ stream, payload: this.#buffer.subarray(HEADER, HEADER + size) });
      this.#buffer = this.#buffer.subarray(HEADER + size);
    }
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.#buffer.length;
  }
}

export interface Demuxed {
  stdout: Readable;
  stderr: Readable;
  /** Settles when the source ends: rejects on a type-3 (engine error) frame or a source error. */
  done: Promise<void>;
}

/** Split a multiplexed source into two streams that both end when the source ends. */
export function demux(source: Readable): Demuxed {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const parser = new FrameParser();
  const done = new Promise<void>((resolve, reject) => {
    let engineError: string | undefined;
    source.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = parser.push(chunk);
      } catch (err) {
        source.destroy(err as Error);
        return;
      }
      for (const frame of frames) {
        if (frame.stream === 'stdout') stdout.write(frame.payload);
        else if (frame.stream === 'stderr') stderr.write(frame.payload);
        else if (frame.stream === 'error') engineError = (engineError ?? '') + frame.payload.toString('utf8');
      }
    });
    const finish = (err?: Error) => {
      stdout.end();
      stderr.end();
      if (err) reject(err);
      else if (engineError !== undefined) reject(new EngineError(engineError.trim()));
      else resolve();
    };
    source.once('end', () => finish());
    source.once('close', () => finish());
    source.once('error', (err) => finish(err));
  });
  done.catch(() => {});
  return { stdout, stderr, done };
}
