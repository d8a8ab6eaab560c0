// A job check: the container runs to its end; its exit code must be the expected one and its
// output (stdout and stderr) must match a regex. Waits up to the check's timeout for the exit.
import type { Harpoon } from '../../core/client.ts';
import { AbortedError, ContainerNotFoundError } from '../../core/errors.ts';
import type { JobCheck } from '../model.ts';
import { containerOutput } from './output.ts';
import { compileRegex, lastLines, type CheckResult } from './result.ts';

const TAIL_LINES = 20;

/** Run one job check against `containerName` (the engine's name); resolves to its result. */
export async function runJobCheck(
  client: Harpoon,
  containerName: string,
  check: JobCheck,
  options: { signal?: AbortSignal } = {},
): Promise<CheckResult> {
  const started = performance.now();
  const result = (passed: boolean, message: string, details?: string): CheckResult => ({
    name: check.name,
    container: containerName,
    kind: 'job',
    passed,
    durationMs: Math.round(performance.now() - started),
    message,
    ...(details ? { details } : {}),
  });
  const log = check.log === undefined ? undefined : compileRegex(check.log);
  if (typeof log === 'string') return result(false, log);
  const container = client.container(containerName);

  let info;
  try {
    info = await container.inspect();
  } catch (err) {
    if (err instanceof ContainerNotFoundError) return result(false, `container ${containerName} does not exist`);
    throw err;
  }
  if (info.State.Status === 'created') return result(false, `container ${containerName} was created but never started`);

  if (info.State.Running || info.State.Restarting) {
    const timeout = AbortSignal.timeout(check.timeoutSeconds * 1000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      await container.wait({ signal });
    } catch (err) {
      if (options.signal?.aborted) throw new AbortedError(`The check ${check.name}`, options.signal.reason);
      if (!timeout.aborted) throw err;
      const tail = lastLines(await containerOutput(client, containerName, TAIL_LINES), TAIL_LINES);
      return result(
        false,
        `still running after ${check.timeoutSeconds}s: the job did not exit`,
        tail ? `last output:\n${tail}` : undefined,
      );
    }
    info = await container.inspect();
  }

  const exitCode = info.State.ExitCode;
  const text = await containerOutput(client, containerName);
  const tail = lastLines(text, TAIL_LINES);
  const details = tail ? `last output:\n${tail}` : undefined;
  if (exitCode !== check.exitCode) return result(false, `exit code ${exitCode}, wanted ${check.exitCode}`, details);
  if (log && !log.test(text))
    return result(
      false,
      `exit code ${exitCode}, but no output matches /${check.log}/`,
      details ?? '(the job printed nothing)',
    );
  return result(true, `exit code ${exitCode}${log ? `, output matches /${check.log}/` : ''}`);
}
