// transfer-image's progress on stderr. On a terminal: one status line, redrawn, with a byte
// bar, the rate, then the destination registering layers. Elsewhere: a few plain lines (the
// start, each quarter). With --json: one JSON event per line. Quiet: nothing. The outcome is
// the command's own summary line.
import type { TransferEvent } from '../index.ts';
import { CLEAR_LINE, fitLine, formatBytes, progressBar, shortId } from './progress-format.ts';
import type { ProgressMode } from './progress.ts';

export interface TransferLabels {
  /** The image as the user named it. */
  image: string;
  /** The dock it goes to. */
  dock: string;
}

export class TransferProgress {
  readonly #out: NodeJS.WriteStream;
  readonly #mode: ProgressMode;
  readonly #labels: TransferLabels;
  /** What the status line shows: the bytes moving, then the destination registering layers. */
  #phase: 'idle' | 'sending' | 'loading' = 'idle';
  #loadStatus = '';
  #started = 0;
  #total = 0;
  #bytes = 0;
  /** The total is the archive's exact size (the last bytes event), not the image size. */
  #exact = false;
  #doneAt = 0;
  #quarter = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WriteStream, mode: ProgressMode, labels: TransferLabels) {
    this.#out = out;
    this.#mode = mode;
    this.#labels = labels;
  }

  handle = (event: TransferEvent): void => {
    if (this.#mode === 'quiet') return;
    if (this.#mode === 'json') {
      this.#out.write(`${JSON.stringify(event)}\n`);
      return;
    }
    const { image, dock } = this.#labels;
    switch (event.type) {
      case 'start':
        this.#started = Date.now();
        this.#total = event.total;
        this.#line(`Sending ${image} (${shortId(event.imageId)}, about ${formatBytes(event.total)}) to ${dock}`);
        // The rate changes even when no bytes event comes (a stalled engine): keep redrawing.
        if (this.#mode === 'tty') this.#timer = setInterval(() => this.#redraw(), 250).unref();
        break;
      case 'bytes':
        this.#bytes = event.bytes;
        if (event.done) {
          this.#total = event.total;
          this.#exact = true;
          this.#doneAt = Date.now();
        }
        if (this.#mode === 'plain') this.#plainQuarters(event.done);
        this.#phase = 'sending';
        this.#redraw();
        break;
      case 'load':
        if (event.event.type === 'progress' && event.event.total) {
          const pct = Math.round(((event.event.current ?? 0) / event.event.total) * 100);
          this.#phase = 'loading';
          this.#loadStatus = `${dock} is registering the image: ${event.event.status} ${event.event.id ?? ''} ${pct}%`;
          this.#redraw();
        }
        break;
      case 'verified':
        // The outcome (verified, named, skipped) is the command's summary line.
        this.#phase = 'idle';
        break;
      default:
        break;
    }
  };

  /** "[=====>    ]  52%  104.1 MB / 200.3 MB  85.2 MB/s" (the total is an estimate until done). */
  #byteStatus(): string {
    const total = Math.max(this.#total, this.#bytes);
    // The image size only estimates the archive's: never claim 100% before the end.
    const fraction = this.#exact ? 1 : Math.min(0.99, total ? this.#bytes / total : 0);
    const seconds = ((this.#exact ? this.#doneAt : Date.now()) - this.#started) / 1000;
    const rate = seconds > 0.2 ? `  ${formatBytes(this.#bytes / seconds)}/s` : '';
    const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
    return `${progressBar(fraction)} ${pct}  ${formatBytes(this.#bytes)} / ${formatBytes(total)}${rate}`;
  }

  #plainQuarters(done: boolean): void {
    if (done || !this.#total) return;
    const quarter = Math.min(3, Math.floor((this.#bytes / this.#total) * 4));
    if (quarter > this.#quarter) {
      this.#quarter = quarter;
      this.#out.write(`  ${Math.floor((this.#bytes / this.#total) * 100)}% (${formatBytes(this.#bytes)})\n`);
    }
  }

  /** A line that stays, above the status line. */
  #line(text: string): void {
    this.#out.write(this.#mode === 'tty' ? `${CLEAR_LINE}${text}\n` : `${text}\n`);
    this.#redraw();
  }

  #redraw(): void {
    if (this.#mode !== 'tty' || this.#phase === 'idle') return;
    const status = this.#phase === 'sending' ? this.#byteStatus() : this.#loadStatus;
    this.#out.write(`${CLEAR_LINE}${fitLine(status, this.#out.columns)}`);
  }

  finish(): void {
    clearInterval(this.#timer);
    if (this.#mode === 'tty') this.#out.write(CLEAR_LINE);
    this.#phase = 'idle';
  }
}
