// Ctrl-C, SIGTERM or a hang-up (the terminal closed) during a long request (a transfer, a
// push, a run-image session): abort it cleanly, and exit 128 + n afterwards, as the docker CLI
// does when a signal stops it. SIGHUP as `harpoon run` has it: without it, closing the terminal
// of `run-image` killed harpoon and left its --rm container running.
import { constants } from 'node:os';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class StopSignals {
  readonly #controller = new AbortController();
  #received: NodeJS.Signals | undefined;
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.#received ??= signal;
    this.#controller.abort(new Error(`stopped by ${signal}`));
  };

  constructor() {
    for (const signal of STOP_SIGNALS) process.on(signal, this.#onSignal);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** 128 + n for the signal that stopped the work, else undefined. */
  get exitCode(): number | undefined {
    return this.#received ? 128 + constants.signals[this.#received] : undefined;
  }

  dispose(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.#onSignal);
  }
}
