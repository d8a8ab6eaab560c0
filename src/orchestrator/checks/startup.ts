// When a started container counts as started (the unit file's `startup:`): a log line matching
// `wait_log`, the healthcheck reporting healthy (`wait_healthy`), or, for a job, its exit with
// the `wait_exit` code. A container that stops while being waited for fails at once, with its
// exit code and last output; the waits share one deadline, `timeout` seconds.
import type { Harpoon } from '../../core/client.ts';
import { AbortedError, ContainerNotFoundError, HarpoonError } from '../../core/errors.ts';
import { followLogLines, poll } from '../../core/wait.ts';
import type { StartupSpec } from '../model.ts';
import { containerOutput } from './output.ts';
import { compileRegex, lastLines, pause } from './result.ts';

const TAIL_LINES = 20;

/** Why a started container did not count as started (the unit file's `startup:`). */
export type StartupFailure =
  /** It stopped while waiting for a log line or health. */
  | 'exited'
  /** A job (wait_exit) ended with another exit code, or without the wanted log line. */
  | 'exit-code'
  | 'unhealthy'
  /** wait_healthy on a container without a healthcheck. */
  | 'no-healthcheck'
  | 'timeout'
  /** wait_log is not a valid regular expression. */
  | 'bad-regex';

/** A container did not start as its `startup:` section says. */
export class StartupError extends HarpoonError {
  readonly container: string;
  readonly reason: StartupFailure;
  /** Its exit code, when it had exited. */
  readonly exitCode: number | undefined;
  /** Its last lines of output (stdout and stderr, in order). */
  readonly logTail: string;
  /** What was still awaited, e.g. "a log line matching /ready/". */
  readonly waitingFor: string[];
  constructor(detail: {
    container: string;
    reason: StartupFailure;
    message: string;
    exitCode?: number;
    logTail?: string;
    waitingFor?: string[];
  }) {
    const tail = detail.logTail?.trim()
      ? `\n--- last output ---\n${detail.logTail.trimEnd()}`
      : detail.logTail === undefined
        ? ''
        : '\n(the container printed nothing)';
    super('STARTUP_FAILED', `Container ${detail.container} ${detail.message}${tail}`);
    this.container = detail.container;
    this.reason = detail.reason;
    this.exitCode = detail.exitCode;
    this.logTail = detail.logTail ?? '';
    this.waitingFor = detail.waitingFor ?? [];
  }
}

/** The awaited conditions of a startup section, as words (empty: nothing to wait for). */
export function describeStartup(startup: StartupSpec): string[] {
  const waits: string[] = [];
  if (startup.waitLog !== undefined) waits.push(`a log line matching /${startup.waitLog}/`);
  if (startup.waitHealthy) waits.push('the healthcheck to report healthy');
  if (startup.waitExit !== undefined) waits.push(`its exit with code ${startup.waitExit}`);
  return waits;
}

/**
 * Wait until `containerName` (the engine's name, just started) is started as `startup` says.
 * Resolves to what was waited for and how long ("log /ready/ seen after 0.4s"), or undefined
 * when the section asks for no wait. `since` (Unix seconds) ignores older output (a restarted
 * container's previous run). Rejects with StartupError, or AbortedError when `signal` aborts.
 */
export async function waitForStartup(
  client: Harpoon,
  containerName: string,
  startup: StartupSpec,
  options: { signal?: AbortSignal; since?: number } = {},
): Promise<string | undefined> {
  const waits = describeStartup(startup);
  if (waits.length === 0) return undefined;
  const started = performance.now();
  const fail = (detail: Omit<ConstructorParameters<typeof StartupError>[0], 'container'>) =>
    new StartupError({ container: containerName, ...detail });
  let pattern: RegExp | undefined;
  if (startup.waitLog !== undefined) {
    const compiled = compileRegex(startup.waitLog);
    if (typeof compiled === 'string') throw fail({ reason: 'bad-regex', message: `startup.wait_log: ${compiled}` });
    pattern = compiled;
  }

  const container = client.container(containerName);
  const timeout = AbortSignal.timeout(startup.timeoutSeconds * 1000);
  const inner = new AbortController();
  const signal = AbortSignal.any([timeout, inner.signal, ...(options.signal ? [options.signal] : [])]);
  const pending = new Set(waits);
  const done: string[] = [];
  const took = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  const tail = () =>
    containerOutput(client, containerName, TAIL_LINES)
      .then((text) => lastLines(text, TAIL_LINES))
      .catch(() => '');
  /** A stopped container: the StartupError for it, or undefined if it is only restarting. */
  const stopped = async (what: string): Promise<StartupError | undefined> => {
    const state = (await container.inspect()).State;
    if (state.Running || state.Restarting) return undefined;
    return fail({
      reason: 'exited',
      exitCode: state.ExitCode,
      logTail: await tail(),
      waitingFor: [...pending],
      message: `exited with code ${state.ExitCode} while waiting for ${what}.`,
    });
  };

  const tasks: Array<Promise<void>> = [];
  if (pattern && startup.waitLog !== undefined) {
    const what = waits[0]!;
    const re = pattern;
    tasks.push(
      (async () => {
        const info = await container.inspect();
        for (;;) {
          const seen = await followLogLines(
            client.engine,
            { id: info.Id, name: containerName },
            (line) => re.test(line),
            {
              signal,
              tty: Boolean(info.Config.Tty),
              ...(options.since !== undefined ? { since: options.since * 1000 } : {}),
            },
          );
          if (seen) break;
          // The output ended: the container stopped (or is restarting: follow its next run).
          const error = await stopped(what);
          if (error) throw error;
          await pause(100, signal, 'Waiting for the log line');
        }
        pending.delete(what);
        done.push(`log /${startup.waitLog}/ seen after ${took()}`);
      })(),
    );
  }
  if (startup.waitHealthy) {
    const what = 'the healthcheck to report healthy';
    tasks.push(
      (async () => {
        await poll(
          signal,
          async () => {
            const state = (await container.inspect()).State as {
              Running: boolean;
              Restarting: boolean;
              ExitCode: number;
              Health?: { Status: string; Log?: Array<{ Output?: string }> };
            };
            if (!state.Health) {
              throw fail({
                reason: 'no-healthcheck',
                message:
                  'has no healthcheck, but startup.wait_healthy asks for one: give its image a HEALTHCHECK, or wait with wait_log instead.',
              });
            }
            if (state.Health.Status === 'healthy') return true;
            // Stopped comes first: an exited container's health is stale.
            if (!state.Running && !state.Restarting) {
              const error = await stopped(what);
              if (error) throw error;
            }
            if (state.Health.Status === 'unhealthy') {
              const last = state.Health.Log?.at(-1)?.Output?.trim();
              throw fail({
                reason: 'unhealthy',
                logTail: await tail(),
                waitingFor: [...pending],
                message: `reports unhealthy${last ? ` (last check output: ${last})` : ''}.`,
              });
            }
            return false;
          },
          { maxMs: 500 },
        );
        pending.delete(what);
        done.push(`healthy after ${took()}`);
      })(),
    );
  }
  if (startup.waitExit !== undefined) {
    const what = `its exit with code ${startup.waitExit}`;
    tasks.push(
      (async () => {
        const exitCode = await container.wait({ signal });
        if (exitCode !== startup.waitExit) {
          throw fail({
            reason: 'exit-code',
            exitCode,
            logTail: await tail(),
            message: `exited with code ${exitCode}, but startup.wait_exit wants ${startup.waitExit}.`,
          });
        }
        pending.delete(what);
        done.push(`exited with ${exitCode} after ${took()}`);
      })(),
    );
  }

  try {
    await Promise.all(
      tasks.map((task) =>
        task.catch((err) => {
          inner.abort(err);
          throw err;
        }),
      ),
    );
  } catch (err) {
    // The first failure wins; the other waits were stopped by it.
    const first = inner.signal.aborted ? inner.signal.reason : err;
    if (first instanceof StartupError) throw first;
    if (options.signal?.aborted) throw new AbortedError(`Waiting for ${containerName} to start`, options.signal.reason);
    if (timeout.aborted) {
      const error = await stopped([...pending].join(' and ')).catch(() => undefined);
      if (error) throw error;
      throw fail({
        reason: 'timeout',
        logTail: await tail(),
        waitingFor: [...pending],
        message: `did not start within ${startup.timeoutSeconds}s: still waiting for ${[...pending].join(' and ')}.`,
      });
    }
    if (first instanceof ContainerNotFoundError) throw first;
    throw first;
  } finally {
    inner.abort();
  }
  return done.join(', ');
}
