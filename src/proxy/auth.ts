// Who may reach a container: a hook the proxy asks before any request (HTTP, WebSocket or the
// logs endpoint) goes to a container. It answers allow, deny or redirect (to a login page),
// from the request and the route (the container's name and labels, e.g. `harpoon.owner`).
// Two ready-made hooks: forward auth (a sub-request to an auth service, as Traefik's
// ForwardAuth and nginx's auth_request: 2xx allows) and a static header check. A denied
// request never reaches the container and records no activity.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { InvalidInputError } from '../core/errors.ts';
import type { Route } from './routes.ts';

/** What an authorization hook answers for one request. */
export type AuthDecision =
  /** Pass the request on; `user` is sent upstream as X-Forwarded-User and logged. */
  | { action: 'allow'; user?: string }
  /** Answer the client instead (default 403); `body`/`contentType` replace the proxy's own page. */
  | {
      action: 'deny';
      status?: number;
      message?: string;
      headers?: Record<string, string>;
      body?: Buffer;
      contentType?: string;
    }
  /** Send the client elsewhere (a login page): 302 with this Location. */
  | { action: 'redirect'; location: string };

/** The hook: true/false are short for allow/deny. Throwing (or rejecting) denies with 500. */
export type Authorize = (
  req: IncomingMessage,
  route: Readonly<Route>,
) => AuthDecision | boolean | Promise<AuthDecision | boolean>;

/** One decision from several hooks: each must allow; the first that does not decides. */
export async function decide(
  hooks: readonly Authorize[],
  req: IncomingMessage,
  route: Readonly<Route>,
): Promise<AuthDecision> {
  let user: string | undefined;
  for (const hook of hooks) {
    const answer = await hook(req, route);
    const decision: AuthDecision =
      answer === true ? { action: 'allow' } : answer === false ? { action: 'deny' } : answer;
    if (decision.action !== 'allow') return decision;
    user = decision.user ?? user;
  }
  return user === undefined ? { action: 'allow' } : { action: 'allow', user };
}

/**
 * Requests must carry these headers with exactly these values (e.g. a secret a front proxy
 * adds); others get 401. Compared in full, case-sensitively, for every header.
 */
export function requireHeaders(expected: Record<string, string>): Authorize {
  const entries = Object.entries(expected).map(([name, value]) => [name.toLowerCase(), value] as const);
  if (!entries.length) throw new InvalidInputError('requireHeaders', 'give at least one header NAME and its VALUE');
  return (req) => {
    const ok = entries.every(([name, value]) => req.headers[name] === value);
    return ok
      ? { action: 'allow' }
      : { action: 'deny', status: 401, message: 'This request lacks the credentials the proxy requires.' };
  };
}

/** forwardAuth's settings: how long to wait for the auth service, and where it names the user. */
export interface ForwardAuthOptions {
  /** Give up on the auth service after this long (ms, default 5 000): the request is denied (500). */
  timeoutMs?: number;
  /** Response headers of the auth service that name the user (first found wins). */
  userHeaders?: string[];
}

const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
]);
const MAX_DENIAL_BODY = 64 * 1024;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Forward auth: before each request, GET `url` with the client's headers (cookies and
 * Authorization included, no body) and X-Forwarded-Method/-Proto/-Host/-Uri/-For plus
 * X-Harpoon-Container. A 2xx allows (the user from X-Forwarded-User, Remote-User or
 * X-Auth-Request-User); a 3xx with Location redirects the client there; 401 and 403 are
 * passed to the client with the service's body and WWW-Authenticate; anything else, or no
 * answer, denies with 500 (fail closed).
 */
export function forwardAuth(url: string | URL, options: ForwardAuthOptions = {}): Authorize {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new InvalidInputError('authUrl', `"${String(url)}" is not a URL (e.g. http://127.0.0.1:4181/auth)`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new InvalidInputError('authUrl', `${target.protocol} is not http: or https:`);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const userHeaders = (options.userHeaders ?? ['x-forwarded-user', 'remote-user', 'x-auth-request-user']).map((h) =>
    h.toLowerCase(),
  );
  const transport = target.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 64 });

  return (req, route) =>
    new Promise<AuthDecision>((resolve) => {
      const headers: Record<string, string | string[]> = {};
      for (const [key, value] of Object.entries(req.headers))
        if (value !== undefined && !NOT_FORWARDED.has(key)) headers[key] = value;
      const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
      Object.assign(headers, {
        'x-forwarded-method': req.method ?? 'GET',
        'x-forwarded-proto': (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http',
        'x-forwarded-host': req.headers.host ?? '',
        'x-forwarded-uri': req.url ?? '/',
        'x-forwarded-for': remote,
        'x-harpoon-container': route.name,
      });
      const failed = (why: string) =>
        resolve({ action: 'deny', status: 500, message: `The authorization service could not decide (${why}).` });
      const sub = transport.request(target, { method: 'GET', headers, agent, timeout: timeoutMs }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          res.resume();
          const user = userHeaders.map((h) => first(res.headers[h])).find((v) => v !== undefined && v !== '');
          return resolve(user === undefined ? { action: 'allow' } : { action: 'allow', user });
        }
        const location = first(res.headers.location);
        if (status >= 300 && status < 400 && location) {
          res.resume();
          return resolve({ action: 'redirect', location });
        }
        if (status !== 401 && status !== 403) {
          res.resume();
          return failed(`it answered ${status}`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_DENIAL_BODY) chunks.push(chunk);
        });
        res.on('error', () => failed('its answer was cut'));
        res.on('end', () => resolve(denial(status, res.headers, Buffer.concat(chunks))));
      });
      sub.on('timeout', () => sub.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      sub.on('error', (err) => failed(err.message));
      sub.end();
    });
}

function denial(status: number, headers: IncomingHttpHeaders, body: Buffer): AuthDecision {
  const passed: Record<string, string> = {};
  const challenge = first(headers['www-authenticate']);
  if (challenge) passed['www-authenticate'] = challenge;
  const contentType = first(headers['content-type']);
  return {
    action: 'deny',
    status,
    headers: passed,
    ...(body.length ? { body, ...(contentType ? { contentType } : {}) } : {}),
  };
}
