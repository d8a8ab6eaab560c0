// Readiness: when a launched app counts as ready. Each check polls or streams until it is
// satisfied, fails for good (unhealthy), or the launch's one deadline aborts it.
// A connect to the published port proves nothing: Docker's port proxy accepts before the app
// listens. So "port" looks inside the container, and HTTP needs a real HTTP answer.
import { readFile } from 'node:fs/promises';
import type { Container } from '../core/container/container.ts';
import type { Engine } from '../core/engine.ts';
import { InvalidInputError } from '../core/errors.ts';
import { followLogLines, httpGet, poll } from '../core/wait.ts';

/** One readiness check of a launch: HTTP, a port listening inside the container, a log line, or healthy. */
export type ReadyCheck =
  /** An HTTP GET on the published port: `status` (default 200, or "any" for any answer), and `body` if given. */
  | { kind: 'http'; path: string; status?: number | 'any'; body?: RegExp | ((body: string) => boolean) }
  /** A TCP port listening inside the container (default: the container port). */
  | { kind: 'port'; port?: number }
  /** A log line matching `pattern`, `times` times (default 1). */
  | { kind: 'log'; pattern: RegExp; times?: number }
  /** The engine's healthcheck reports healthy. */
  | { kind: 'healthy' };

/** Builders for readiness checks; pass several (an array) to wait for all of them. */
export const waitFor = {
  /** An HTTP GET of `path` on the published port answers `status` (default 200), with a matching `body` if given. */
  http: (
    path = '/',
    options: { status?: number | 'any'; body?: RegExp | ((body: string) => boolean) } = {},
  ): ReadyCheck => ({ kind: 'http', path, ...options }),
  /** A TCP port (default: the container port) listens inside the container. */
  port: (port?: number): ReadyCheck => (port === undefined ? { kind: 'port' } : { kind: 'port', port }),
  /** A log line matches `pattern`, `times` times (default 1). */
  log: (pattern: RegExp | string, times = 1): ReadyCheck => ({
    kind: 'log',
    pattern: typeof pattern === 'string' ? new RegExp(pattern) : pattern,
    times,
  }),
  /** The engine's healthcheck reports healthy. */
  healthy: (): ReadyCheck => ({ kind: 'healthy' }),
};

/** The default: the app answers HTTP on "/" at all (any status: some apps 404 on "/"). */
export function defaultReadyCheck(): ReadyCheck {
  return waitFor.http('/', { status: 'any' });
}

/** A check in words, for messages ("HTTP GET /health answering 200"). */
export function describeCheck(check: ReadyCheck, containerPort: number): string {
  switch (check.kind) {
    case 'http':
      return `HTTP GET ${check.path} answering ${check.status === 'any' ? 'anything' : (check.status ?? 200)}${check.body ? ' with a matching body' : ''}`;
    case 'port':
      return `port ${check.port ?? containerPort} listening inside the container`;
    case 'log':
      return `log line ${check.pattern}${(check.times ?? 1) > 1 ? ` ${check.times} times` : ''}`;
    case 'healthy':
      return 'healthcheck reporting healthy';
  }
}

export function checkReadyChecks(checks: ReadyCheck[]): void {
  checks.forEach((check, i) => {
    const field = `ready[${i}]`;
    switch (check?.kind) {
      case 'http':
        if (typeof check.path !== 'string' || !check.path.startsWith('/'))
          throw new InvalidInputError(`${field}.path`, `"${check.path}" must start with "/"`);
        if (
          check.status !== undefined &&
          check.status !== 'any' &&
          !(Number.isInteger(check.status) && check.status >= 100 && check.status <= 599)
        ) {
          throw new InvalidInputError(
            `${field}.status`,
            `${JSON.stringify(check.status)} is not an HTTP status (100-599) or "any"`,
          );
        }
        return;
      case 'port':
        if (check.port !== undefined && !(Number.isInteger(check.port) && check.port >= 1 && check.port <= 65535)) {
          throw new InvalidInputError(`${field}.port`, `${JSON.stringify(check.port)} is not a port (1-65535)`);
        }
        return;
      case 'log':
        if (!(check.pattern instanceof RegExp)) throw new InvalidInputError(`${field}.pattern`, 'must be a RegExp');
        if (check.times !== undefined && !(Number.isInteger(check.times) && check.times >= 1))
          throw new InvalidInputError(`${field}.times`, 'must be an integer >= 1');
        return;
      case 'healthy':
        return;
      default:
        throw new InvalidInputError(
          field,
          `unknown readiness check ${JSON.stringify(check)}; use waitFor.http(), .port(), .log() or .healthy()`,
        );
    }
  });
}

/** The command line's --wait: http:/PATH, log:REGEX, port, port:N, healthy. */
export function parseWaitFlag(text: string): ReadyCheck {
  const [kind, ...rest] = text.split(':');
  const arg = rest.join(':');
  let check: ReadyCheck | undefined;
  if (kind === 'http' && arg.startsWith('/')) check = waitFor.http(arg);
  else if (kind === 'log' && arg) {
    try {
      check = waitFor.log(new RegExp(arg));
    } catch (err) {
      throw new InvalidInputError('--wait', `"${text}": bad regular expression (${(err as Error).message})`);
    }
  } else if (kind === 'port' && rest.length === 0) check = waitFor.port();
  else if (kind === 'port' && /^\d+$/.test(arg)) check = waitFor.port(Number(arg));
  else if (kind === 'healthy' && rest.length === 0) check = waitFor.healthy();
  if (!check)
    throw new InvalidInputError('--wait', `"${text}" is not one of http:/PATH, log:REGEX, port, port:N, healthy`);
  try {
    checkReadyChecks([check]);
  } catch (err) {
    // Name the flag, not "ready[0].port" (e.g. port:0).
    const e = err as InvalidInputError;
    throw new InvalidInputError('--wait', `"${text}": ${e.message.slice(e.field.length + 2)}`);
  }
  return check;
}

/** A check that can never succeed (unhealthy, no healthcheck...): stop waiting at once. */
export class CheckFailed extends Error {}

export interface ReadyContext {
  engine: Engine;
  container: Container;
  /** The app's base URL on the host, e.g. http://127.0.0.1:32768. */
  url: string;
  containerPort: number;
  /** The launch's deadline. */
  signal: AbortSignal;
}

/** Resolves once the check is satisfied; rejects with CheckFailed, or when `signal` aborts. */
export function runCheck(check: ReadyCheck, ctx: ReadyContext): Promise<void> {
  switch (check.kind) {
    case 'http':
      return poll(ctx.signal, () => httpAttempt(check, ctx));
    case 'port':
      return poll(ctx.signal, () => portListening(check.port ?? ctx.containerPort, ctx));
    case 'log':
      return logLines(check, ctx);
    case 'healthy':
      return poll(ctx.signal, () => healthy(ctx));
  }
}

async function httpAttempt(check: Extract<ReadyCheck, { kind: 'http' }>, ctx: ReadyContext): Promise<boolean> {
  // One short-lived connection per attempt: nothing lingers after the launch.
  const outcome = await httpGet(new URL(check.path, ctx.url), { signal: ctx.signal, readBody: Boolean(check.body) });
  if ('error' in outcome) return false;
  const statusOk = check.status === 'any' || outcome.status === (check.status ?? 200);
  if (!statusOk || !check.body) return statusOk;
  return check.body instanceof RegExp ? check.body.test(outcome.body) : Boolean(check.body(outcome.body));
}

/** Whether /proc/net/tcp(6) text shows `port` in state LISTEN (0A). */
export function listensOn(procNetTcp: string, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return procNetTcp.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1]?.endsWith(`:${hex}`) && fields[3] === '0A';
  });
}

async function portListening(port: number, ctx: ReadyContext): Promise<boolean> {
  // Inside the container first (needs `cat` in the image)...
  const result = await ctx.container
    .exec(['cat', '/proc/net/tcp', '/proc/net/tcp6'], { signal: ctx.signal })
    .catch(() => undefined);
  if (result && result.stdout) return listensOn(result.stdout, port);
  // ...else the container's network namespace seen from this machine (a local engine only).
  const pid = (await ctx.container.inspect()).State.Pid;
  const tables = await Promise.all(
    ['tcp', 'tcp6'].map((file) => readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => undefined)),
  );
  if (pid && tables.some((t) => t !== undefined)) return listensOn(tables.join('\n'), port);
  throw new CheckFailed(
    `cannot see port ${port} inside the container: the image has no \`cat\` and the engine is not on this machine; use an HTTP check instead`,
  );
}

async function healthy(ctx: ReadyContext): Promise<boolean> {
  const state = (await ctx.container.inspect()).State as {
    Health?: { Status: string; Log?: Array<{ Output?: string }> };
  };
  if (!state.Health)
    throw new CheckFailed(
      'the container has no healthcheck (give the spec a healthcheck, or use an image with HEALTHCHECK)',
    );
  if (state.Health.Status === 'unhealthy') {
    const last = state.Health.Log?.at(-1)?.Output?.trim();
    throw new CheckFailed(`the healthcheck reports unhealthy${last ? ` (last output: ${last})` : ''}`);
  }
  return state.Health.Status === 'healthy';
}

async function logLines(check: Extract<ReadyCheck, { kind: 'log' }>, ctx: ReadyContext): Promise<void> {
  // A non-global copy: RegExp.test with /g keeps state between calls.
  const pattern = new RegExp(check.pattern.source, check.pattern.flags.replace('g', ''));
  const wanted = check.times ?? 1;
  let seen = 0;
  const found = await followLogLines(ctx.engine, ctx.container, (line) => pattern.test(line) && ++seen >= wanted, {
    signal: ctx.signal,
  });
  if (!found) throw new CheckFailed(`the output ended after ${seen} of ${wanted} lines matching ${check.pattern}`);
}
