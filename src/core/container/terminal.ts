// The local terminal during an interactive run: raw mode in, original mode back on every
// way out, and its size for the container's TTY.
import type { ReadStream, WriteStream } from 'node:tty';

/** A terminal size in rows and columns. */
export interface TerminalSize {
  rows: number;
  cols: number;
}

/** The local terminal of an interactive run: raw mode in, its mode back on every way out, its size. */
export class LocalTerminal {
  readonly input: ReadStream;
  readonly output: WriteStream;
  #restoreTo: boolean | undefined;

  constructor(input: ReadStream, output: WriteStream) {
    this.input = input;
    this.output = output;
  }

  /** Raw mode: keystrokes (ctrl-c included) go to the container, unechoed and unbuffered. */
  enterRaw(): void {
    if (this.#restoreTo !== undefined || !this.input.isTTY) return;
    this.#restoreTo = this.input.isRaw;
    this.input.setRawMode(true);
    // A crash between here and restore() must not leave the user's terminal raw.
    process.once('exit', this.restore);
  }

  /** Put the terminal back as it was. Safe to call more than once. */
  restore = (): void => {
    if (this.#restoreTo === undefined) return;
    try {
      this.input.setRawMode(this.#restoreTo);
    } catch {
      // The terminal is gone (hang-up): nothing to restore.
    }
    this.#restoreTo = undefined;
    process.removeListener('exit', this.restore);
  };

  /** The terminal's size, or undefined when the output is not a terminal. */
  size(): TerminalSize | undefined {
    const { rows, columns } = this.output;
    return rows && columns ? { rows, cols: columns } : undefined;
  }

  /** Call `listener` on every size change (SIGWINCH); returns the unsubscribe function. */
  onResize(listener: (size: TerminalSize) => void): () => void {
    const handler = () => {
      const size = this.size();
      if (size) listener(size);
    };
    this.output.on('resize', handler);
    return () => this.output.off('resize', handler);
  }
}
