// A daemon check: an HTTP GET on the container (a port it publishes on 127.0.0.1, or a URL)
// must answer the expected status with a body matching a regex. Retried until the check's
// timeout, since the app may still be starting; a failure says what was last seen.
import type { Harpoon } from '../../core/client.ts';
import { AbortedError, ContainerNotFoundError } from '../../core/errors.ts';
import { httpGet, type HttpOutcome } from '../../core/wait.ts';
import type { DaemonCheck } from '../model.ts';
import { compileRegex, excerpt, pause, type CheckResult } from './result.ts';

/** The only host address a `port:` check connects to. */
export const CHECK_HOST = '127.0.0.1';
const ATTEMPT_TIMEOUT_MS = 5_000;
const RETRY_START_MS = 50;
const RETRY_MAX_MS = 500;

/** Why the check cannot get anywhere (no retry helps), or the URL to try. */
type Target = { url: string } | { fatal: string; retry?: boolean };

/**
 * The host port the engine published `containerPort`/tcp on, on 127.0.0.1. A port published on
 * other addresses only (0.0.0.0, another interface), or not at all, is a failed check: the
 * check never connects anywhere but 127.0.0.1.
 */
export async function publishedPort(client: Harpoon, containerName: string, containerPort: number): Promise<Target> {
  let info;
  try {
    info = await client.container(containerName).inspect();
  } catch (err) {
    if (err instanceof ContainerNotFoundError) return { fatal: `container ${containerName} does not exist` };
    throw err;
  }
  const state = info.State;
  if (!state.Running) {
    // Restarting (a restart policy): it may come back within the timeout.
    if (state.Restarting) return { fatal: `container ${containerName} is restarting`, retry: true };
    return {
      fatal: `container ${containerName} is not running (${state.Status}${state.Status === 'exited' ? `, exit code ${state.ExitCode}` : ''})`,
    };
  }
  const key = `${containerPort}/tcp`;
  const bindings =
    (info.NetworkSettings.Ports as Record<string, Array<{ HostIp: string; HostPort: string }> | null> | undefined)?.[
      key
    ] ?? [];
  const local = bindings.find((b) => b.HostIp === CHECK_HOST);
  if (local) return { url: `http://${CHECK_HOST}:${local.HostPort}` };
  if (bindings.length) {
    const where = bindings.map((b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort}`).join(', ');
    return {
      fatal: `container port ${key} is published on ${where}, not on ${CHECK_HOST}; publish it as "${CHECK_HOST}::${containerPort}" (the check only connects to ${CHECK_HOST})`,
    };
  }
  return {
    fatal: `container port ${key} is not published on ${CHECK_HOST}; add "${CHECK_HOST}::${containerPort}" to the container's ports`,
  };
}

function describe(outcome: HttpOutcome): string {
  return 'error' in outcome ? `no answer: ${outcome.error}` : `status ${outcome.status}, body ${excerpt(outcome.body)}`;
}

/** Run one daemon check against `containerName` (the engine's name); resolves to its result. */
export async function runDaemonCheck(
  client: Harpoon,
  containerName: string,
  check: DaemonCheck,
  options: { signal?: AbortSignal } = {},
): Promise<CheckResult> {
  const started = performance.now();
  const deadline = Date.now() + check.timeoutSeconds * 1000;
  const result = (passed: boolean, message: string, details?: string): CheckResult => ({
    name: check.name,
    container: containerName,
    kind: 'daemon',
    passed,
    durationMs: Math.round(performance.now() - started),
    message,
    ...(details ? { details } : {}),
  });
  const body = check.body === undefined ? undefined : compileRegex(check.body);
  if (typeof body === 'string') return result(false, body);
  const want = `status ${check.status}${body ? ` and a body matching /${check.body}/` : ''}`;

  let delay = RETRY_START_MS;
  let last: string | undefined;
  let lastBody: string | undefined;
  let url: string | undefined;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new AbortedError(`The check ${check.name}`, options.signal.reason);
    if (check.url !== undefined) url = check.url;
    else if (url === undefined) {
      const target = await publishedPort(client, containerName, check.port!);
      if ('fatal' in target && !target.retry) return result(false, target.fatal);
      if ('url' in target) url = new URL(check.path, target.url).href;
      else last = target.fatal;
    }
    if (url !== undefined) {
      const outcome = await httpGet(url, {
        timeoutMs: Math.max(100, Math.min(ATTEMPT_TIMEOUT_MS, deadline - Date.now())),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (options.signal?.aborted) throw new AbortedError(`The check ${check.name}`, options.signal.reason);
      if ('status' in outcome && outcome.status === check.status && (!body || body.test(outcome.body))) {
        return result(
          true,
          `GET ${url}: status ${outcome.status}${body ? `, body matches /${check.body}/` : ''} (attempt ${attempt})`,
        );
      }
      last = describe(outcome);
      lastBody = 'body' in outcome ? outcome.body : undefined;
      if ('error' in outcome && check.url === undefined) {
        // Nothing answers: has the container died (no waiting will help then)?
        const target = await publishedPort(client, containerName, check.port!);
        if ('fatal' in target && !target.retry) return result(false, `GET ${url}: ${target.fatal}; last saw ${last}`);
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const tried = url ? `GET ${url}` : `container port ${check.port}`;
      return result(
        false,
        `${tried}: wanted ${want}; after ${check.timeoutSeconds}s and ${attempt} attempt${attempt > 1 ? 's' : ''}, last saw ${last}`,
        lastBody && lastBody.length > 200
          ? `last body (first 2000 characters):\n${lastBody.slice(0, 2000)}`
          : undefined,
      );
    }
    await pause(Math.min(delay, left), options.signal, `The check ${check.name}`);
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  }
}
