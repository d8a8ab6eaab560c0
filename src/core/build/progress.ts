// The engine's JSON-lines progress stream (build, pull, push, load) as typed events.
// Chunks may split a line, or a multi-byte character, anywhere: parsing buffers until "\n".
import { StringDecoder } from 'node:string_decoder';
import type { BuildStep } from '../errors.ts';

/** One raw message of the engine's progress stream. */
export interface ProgressMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string; [key: string]: unknown };
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

/** One progress event of a build: a step begun, an output line, layer progress, the image, an error. */
export type BuildEvent =
  /** The builder began a Dockerfile step ("Step 2/5 : RUN make"). */
  | { type: 'step'; step: BuildStep }
  /** A line of output from the builder or from a RUN command. */
  | { type: 'output'; text: string }
  /** Pull or transfer progress for one layer or item. */
  | { type: 'progress'; id: string | undefined; status: string; current: number | undefined; total: number | undefined }
  /** The id of the image produced. */
  | { type: 'image'; imageId: string }
  /** The engine reported a failure; the build rejects with a BuildError right after. */
  | { type: 'error'; message: string };

export class JsonLinesParser {
  #decoder = new StringDecoder('utf8');
  #pending = '';

  /** Feed a chunk; returns every complete message it finished. */
  push(chunk: Buffer | string): ProgressMessage[] {
    this.#pending += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    const lines = this.#pending.split('\n');
    this.#pending = lines.pop() ?? '';
    return lines.flatMap((line) => parseLine(line));
  }

  /** The stream ended: parse whatever is left. */
  end(): ProgressMessage[] {
    const rest = this.#pending + this.#decoder.end();
    this.#pending = '';
    return parseLine(rest);
  }
}

function parseLine(line: string): ProgressMessage[] {
  const text = line.trim();
  if (!text) return [];
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? [value as ProgressMessage] : [];
  } catch {
    // Not JSON (a proxy's error page, say): keep it visible as output.
    return [{ stream: `${text}\n` }];
  }
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;

export function toBuildEvents(message: ProgressMessage): BuildEvent[] {
  const events: BuildEvent[] = [];
  if (message.error !== undefined || message.errorDetail !== undefined) {
    events.push({ type: 'error', message: (message.errorDetail?.message ?? message.error ?? 'unknown error').trim() });
    return events;
  }
  if (typeof message.stream === 'string') {
    for (const line of message.stream.split('\n')) {
      if (line === '') continue;
      const step = STEP.exec(line);
      if (step) {
        events.push({ type: 'step', step: { number: Number(step[1]), total: Number(step[2]), instruction: step[3]! } });
      }
      events.push({ type: 'output', text: line });
    }
  }
  if (typeof message.status === 'string') {
    events.push({
      type: 'progress',
      id: message.id,
      status: message.status,
      current: message.progressDetail?.current,
      total: message.progressDetail?.total,
    });
  }
  if (typeof message.aux?.ID === 'string') events.push({ type: 'image', imageId: message.aux.ID });
  return events;
}
