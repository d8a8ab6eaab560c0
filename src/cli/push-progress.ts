// publish-image's push progress on stderr, one line per layer as `docker push` shows it. On a
// terminal the layer lines are redrawn in place (cursor up, rewrite), at most ten times a
// second; elsewhere a layer's line is printed when its status changes (not for every byte
// count); with --json, one JSON event per line; quiet, nothing.
import type { PushEvent } from '../index.ts';
import { CLEAR_LINE, cursorUp, fitLine, formatBytes, progressBar } from './progress-format.ts';
import type { ProgressMode } from './progress.ts';

interface Layer {
  status: string;
  current: number | undefined;
  total: number | undefined;
}

/** "a1b2c3d4e5f6: Pushing  [=====>     ]  3.1 MB / 10.2 MB", or "a1b2c3d4e5f6: Pushed". */
export function layerLine(id: string, layer: Layer): string {
  if (layer.status === 'Pushing' && layer.total) {
    const bar = progressBar((layer.current ?? 0) / layer.total, 25);
    return `${id}: Pushing  ${bar}  ${formatBytes(layer.current ?? 0)} / ${formatBytes(layer.total)}`;
  }
  return `${id}: ${layer.status}`;
}

export class PushProgress {
  readonly #out: NodeJS.WriteStream;
  readonly #mode: ProgressMode;
  readonly #layers = new Map<string, Layer>();
  /** How many layer lines are on the screen, just above the cursor (tty). */
  #drawn = 0;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WriteStream, mode: ProgressMode) {
    this.#out = out;
    this.#mode = mode;
    if (mode === 'tty') this.#timer = setInterval(() => this.#dirty && this.#redraw(), 100).unref();
  }

  handle = (event: PushEvent): void => {
    if (this.#mode === 'quiet') return;
    if (this.#mode === 'json') {
      this.#out.write(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (event.type) {
      case 'status':
        this.#line(event.text);
        break;
      case 'progress': {
        const before = this.#layers.get(event.id)?.status;
        this.#layers.set(event.id, { status: event.status, current: event.current, total: event.total });
        if (this.#mode === 'plain') {
          if (event.status !== before) this.#out.write(`${event.id}: ${event.status}\n`);
        } else if (event.status !== before) {
          this.#redraw(); // a new status shows at once; byte counts wait for the timer
        } else this.#dirty = true;
        break;
      }
      default:
        // 'pushed' repeats the engine's own "TAG: digest: … size: …" status line; the command reports an 'error'.
        break;
    }
  };

  /**
   * A line about the whole push. It goes below the layers, as docker prints it (the final
   * "TAG: digest: …" comes after them); on a terminal the block above it stops being redrawn.
   */
  #line(text: string): void {
    if (this.#mode !== 'tty') {
      this.#out.write(`${text}\n`);
      return;
    }
    if (this.#dirty) this.#redraw();
    this.#out.write(`${CLEAR_LINE}${fitLine(text, this.#out.columns)}\n`);
    this.#layers.clear();
    this.#drawn = 0;
  }

  /** Rewrite every layer line in place. */
  #redraw(): void {
    if (this.#mode !== 'tty') return;
    let text = cursorUp(this.#drawn);
    for (const [id, layer] of this.#layers)
      text += `${CLEAR_LINE}${fitLine(layerLine(id, layer), this.#out.columns)}\n`;
    this.#out.write(text);
    this.#drawn = this.#layers.size;
    this.#dirty = false;
  }

  finish(): void {
    clearInterval(this.#timer);
    if (this.#dirty) this.#redraw();
  }
}
