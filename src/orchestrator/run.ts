// Carry out a plan: each step starts once the steps it waits for are done, so orders on
// independent containers run side by side. The first failure stops the run (a failed check
// only stops what is not a check): nothing new
// starts, the steps already running finish, and the run rejects with an OrderError naming the
// order, its container, its file line and the reason.
import type { Harpoon } from '../core/client.ts';
import { OrderFailure } from './apply/failure.ts';
import type { CheckResult } from './checks/result.ts';
import { OrderError } from './errors.ts';
import { ORDERS } from './orders/index.ts';
import type { Plan, Step } from './plan/plan.ts';

/** Progress of a run: a step started, printed, done, failed or not run, or a check's result. */
export type RunEvent =
  | { type: 'step-start'; step: Step }
  | { type: 'step-output'; step: Step; text: string }
  | { type: 'step-done'; step: Step; outcome: string; ms: number }
  | { type: 'step-failed'; step: Step; error: OrderError; ms: number }
  | { type: 'step-not-run'; step: Step; because: string }
  | { type: 'check'; step: Step; result: CheckResult };

/** How one step ended: done (with its outcome), failed (with its error), or not run. */
export interface StepResult {
  step: number;
  status: 'done' | 'failed' | 'not-run';
  outcome?: string;
  error?: OrderError;
  ms?: number;
}

/** What a run did: each step's result, and every check's. */
export interface RunResult {
  steps: StepResult[];
  checks: CheckResult[];
}

/** How to run a plan: the client, the config directory, an abort signal, events, interactivity. */
export interface RunPlanOptions {
  client: Harpoon;
  confDir: string;
  signal?: AbortSignal;
  /** Called with every event of the run. */
  onEvent?: (event: RunEvent) => void;
  /** A terminal is there for interactive execute orders (default: stdin and stdout are TTYs). */
  interactive?: boolean;
}

/** A step's dependencies did not complete after it had begun: it stops there, not run. */
class NotRun extends Error {}

export class UnitRunError extends OrderError {
  readonly result: RunResult;
  constructor(first: OrderError, result: RunResult) {
    super(first.step, first.order, first.reason, { cause: first.cause });
    this.result = result;
  }
}

/** Carry out a plan, independent steps side by side; the first failure stops it with a UnitRunError. */
export async function runPlan(plan: Plan, options: RunPlanOptions): Promise<RunResult> {
  const emit = options.onEvent ?? (() => {});
  const controller = new AbortController();
  const stopOuter = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stopOuter, { once: true });
  const results = new Map<number, StepResult>();
  const checks: CheckResult[] = [];
  const finished = new Map<number, Promise<void>>();
  let failure: OrderError | undefined;
  let hardFailure: OrderError | undefined;
  const checkSteps = new Set(plan.steps.filter((s) => s.order.command === 'check').map((s) => s.number));

  // Resolved when a step's container exists with its configuration (true), or when the step
  // ends without it (false). A create or start only needs the containers it depends on to
  // exist, not to be started: it creates its own container meanwhile and waits for them to be
  // done only before starting it, so a chain of links starts one create earlier at each link.
  const exists = new Map<number, { promise: Promise<boolean>; resolve: (ok: boolean) => void }>();
  for (const step of plan.steps) {
    let resolve!: (ok: boolean) => void;
    const promise = new Promise<boolean>((r) => (resolve = r));
    exists.set(step.number, { promise, resolve });
  }
  const pipelined = (step: Step) => step.order.command === 'start' || step.order.command === 'create';

  /** Why this step must not run (its waits are over), or undefined. */
  const blockedReason = (step: Step): string | undefined => {
    // A failed check changes nothing, so the other checks still run (every check gets a
    // result, in the JUnit file too); any other failure stops everything after it.
    const isCheck = step.order.command === 'check';
    const stopping = isCheck ? hardFailure : failure;
    const blocked = step.waitsFor.find((w) => {
      const status = results.get(w.step)?.status;
      return !(status === 'done' || (isCheck && status === 'failed' && checkSteps.has(w.step)));
    });
    if (stopping) return `order ${stopping.step} failed`;
    if (blocked) return `order ${blocked.step} did not complete`;
    if (controller.signal.aborted) return 'the run was stopped';
    return undefined;
  };
  const notRun = (step: Step, because: string) => {
    results.set(step.number, { step: step.number, status: 'not-run' });
    emit({ type: 'step-not-run', step, because });
  };
  const waitsDone = async (step: Step) => {
    await Promise.all(step.waitsFor.map((w) => finished.get(w.step)));
    return blockedReason(step);
  };

  const runStep = async (step: Step): Promise<void> => {
    if (pipelined(step)) {
      const existing = await Promise.all(step.waitsFor.map((w) => exists.get(w.step)!.promise));
      const missing = step.waitsFor.find((_, i) => !existing[i]);
      const early =
        failure && step.order.command !== 'check'
          ? `order ${failure.step} failed`
          : controller.signal.aborted
            ? 'the run was stopped'
            : undefined;
      if (missing || early) return notRun(step, early ?? `order ${missing!.step} did not complete`);
    } else {
      const because = await waitsDone(step);
      if (because) return notRun(step, because);
    }
    emit({ type: 'step-start', step });
    const started = performance.now();
    try {
      const outcome = await ORDERS[step.order.command]({
        client: options.client,
        unit: plan.unit,
        order: step.order,
        confDir: options.confDir,
        signal: controller.signal,
        interactive: options.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY),
        containerReady: () => exists.get(step.number)!.resolve(true),
        dependenciesDone: async () => {
          const because = await waitsDone(step);
          if (because) throw new NotRun(because);
        },
        emit: (event) => {
          if (event.type === 'output') emit({ type: 'step-output', step, text: event.text });
          else {
            checks.push(event.result);
            emit({ type: 'check', step, result: event.result });
          }
        },
      });
      const ms = performance.now() - started;
      results.set(step.number, { step: step.number, status: 'done', outcome, ms });
      emit({ type: 'step-done', step, outcome, ms });
    } catch (err) {
      if (err instanceof NotRun) return notRun(step, err.message);
      const ms = performance.now() - started;
      const reason =
        err instanceof OrderFailure || !(err instanceof Error)
          ? String(err instanceof Error ? err.message : err)
          : err.message;
      const error = new OrderError(step.number, step.order, reason, { cause: err });
      failure ??= error;
      if (step.order.command !== 'check') hardFailure ??= error;
      results.set(step.number, { step: step.number, status: 'failed', error, ms });
      emit({ type: 'step-failed', step, error, ms });
    }
  };

  try {
    // Steps are created in file order, so every step's waits are registered before it needs them.
    for (const step of plan.steps) {
      finished.set(
        step.number,
        runStep(step).finally(() => exists.get(step.number)!.resolve(results.get(step.number)?.status === 'done')),
      );
    }
    await Promise.all(finished.values());
  } finally {
    options.signal?.removeEventListener('abort', stopOuter);
  }
  const result: RunResult = { steps: plan.steps.map((s) => results.get(s.number)!), checks };
  const firstFailed = result.steps.find((s) => s.status === 'failed')?.error;
  if (firstFailed) throw new UnitRunError(firstFailed, result);
  if (options.signal?.aborted) throw options.signal.reason;
  return result;
}
