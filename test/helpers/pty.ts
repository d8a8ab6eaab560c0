// Drive a program in a real pseudoterminal (node-pty), as a person at a terminal would.
import { spawn, type IPty } from 'node-pty';
import { join } from 'node:path';
import { ensureBuilt } from '../../scripts/build.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The harpoon CLI as a command line: the executable as the package ships it (built from src/ first when stale). */
ensureBuilt();
export const HARPOON = [process.execPath, join(ROOT, 'dist/cli/bin.js')];

export class PtySession {
  readonly pty: IPty;
  output = '';
  readonly exited: Promise<{ exitCode: number; signal?: number }>;

  constructor(file: string, args: string[], size: { cols: number; rows: number }, env: Record<string, string> = {}) {
    this.pty = spawn(file, args, {
      name: 'xterm',
      cols: size.cols,
      rows: size.rows,
      cwd: ROOT,
      env: { ...process.env, ...env } as Record<string, string>,
    });
    this.pty.onData((data) => (this.output += data));
    this.exited = new Promise((resolve) => this.pty.onExit(resolve));
  }

  /** Resolves once the output after `from` matches; rejects with the output on timeout. */
  async waitFor(pattern: RegExp, options: { timeout?: number; from?: number } = {}): Promise<RegExpExecArray> {
    const deadline = Date.now() + (options.timeout ?? 15_000);
    for (;;) {
      const match = pattern.exec(this.output.slice(options.from ?? 0));
      if (match) return match;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}; output so far:\n${JSON.stringify(this.output)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Type a line and wait for the pattern in the output that follows it. */
  async type(text: string, expect?: RegExp): Promise<RegExpExecArray | undefined> {
    const from = this.output.length;
    this.pty.write(text);
    return expect ? this.waitFor(expect, { from }) : undefined;
  }

  async exit(timeout = 15_000): Promise<{ exitCode: number; signal?: number }> {
    const timer = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no exit within ${timeout} ms; output:\n${JSON.stringify(this.output)}`)),
        timeout,
      ).unref(),
    );
    return Promise.race([this.exited, timer]);
  }

  kill(): void {
    try {
      this.pty.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
