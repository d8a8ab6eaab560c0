// Build progress for people and for programs: on a terminal, steps stand out and a status
// line shows the running step and its time; elsewhere, plain lines; with --json, one JSON
// event per line.
import type { BuildEvent } from '../index.ts';

export type ProgressMode = 'tty' | 'plain' | 'json' | 'quiet';

export function progressMode(stream: NodeJS.WriteStream, flags: { json?: boolean; quiet?: boolean }): ProgressMode {
  if (flags.json) return 'json';
  if (flags.quiet) return 'quiet';
  return stream.isTTY && !process.env.NO_COLOR ? 'tty' : 'plain';
}

const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
const CLEAR_LINE = '\r\x1b[2K';

export class BuildProgress {
  readonly #out: NodeJS.WriteStream;
  readonly #mode: ProgressMode;
  #status = '';
  #stepStarted = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #layers = new Map<string, string>();

  constructor(out: NodeJS.WriteStream, mode: ProgressMode) {
    this.#out = out;
    this.#mode = mode;
    if (mode === 'tty') this.#timer = setInterval(() => this.#redraw(), 200).unref();
  }

  handle = (event: BuildEvent): void => {
    if (this.#mode === 'quiet') return;
    if (this.#mode === 'json') {
      this.#out.write(`${JSON.stringify(event)}\n`);
      return;
    }
    if (this.#mode === 'plain') {
      if (event.type === 'output') this.#out.write(`${event.text}\n`);
      else if (event.type === 'progress') this.#out.write(`${event.id ? `${event.id}: ` : ''}${event.status}\n`);
      return;
    }
    switch (event.type) {
      case 'step':
        this.#stepStarted = Date.now();
        this.#status = `[${event.step.number}/${event.step.total}] ${event.step.instruction}`;
        this.#print(`${BOLD}Step ${event.step.number}/${event.step.total} : ${event.step.instruction}${RESET}`);
        break;
      case 'output':
        if (!/^Step \d+\/\d+ : /.test(event.text)) this.#print(`${DIM}${event.text}${RESET}`);
        break;
      case 'progress': {
        const amount = event.total ? ` ${Math.round(((event.current ?? 0) / event.total) * 100)}%` : '';
        this.#layers.set(event.id ?? '', `${event.id ?? ''} ${event.status}${amount}`);
        this.#redraw();
        break;
      }
      default:
        break;
    }
  };

  #print(line: string): void {
    this.#out.write(`${CLEAR_LINE}${line}\n`);
    this.#redraw();
  }

  #redraw(): void {
    if (this.#mode !== 'tty' || !this.#status) return;
    const seconds = ((Date.now() - this.#stepStarted) / 1000).toFixed(1);
    const layer = [...this.#layers.values()].at(-1);
    const line = `${this.#status} ${DIM}${seconds}s${layer ? ` · ${layer}` : ''}${RESET}`;
    const width = this.#out.columns || 80;
    this.#out.write(`${CLEAR_LINE}${line.length > width + 8 ? `${line.slice(0, width + 4)}…${RESET}` : line}`);
  }

  finish(): void {
    clearInterval(this.#timer);
    if (this.#mode === 'tty') this.#out.write(CLEAR_LINE);
  }
}
