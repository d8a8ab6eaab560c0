// The admin endpoint: the route table with last activity, and each container's last visits
// (`<path>/<name>/history`), as JSON. Off unless configured, and always behind a bearer token
// (compared in constant time).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Visit } from '../launcher/activity.ts';
import type { Route } from './routes.ts';
import { isContainerName } from './routing.ts';

/** The admin endpoint's settings: its bearer token and path. */
export interface AdminOptions {
  /** The bearer token clients must send: `Authorization: Bearer <token>`. At least 16 characters. */
  token: string;
  /** Where the endpoint answers (default `/_harpoon/routes`). */
  path?: string;
}

/** Where the admin endpoint answers unless `AdminOptions.path` says otherwise. */
export const DEFAULT_ADMIN_PATH = '/_harpoon/routes';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function checkAdminOptions(admin: AdminOptions): void {
  if (typeof admin.token !== 'string' || admin.token.length < 16) {
    throw new Error(
      'admin.token: give a token of at least 16 characters (e.g. `openssl rand -hex 24`); the admin endpoint is never open',
    );
  }
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = String(req.headers.authorization ?? '');
  const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  // Hashing first makes the comparison constant-time whatever the lengths.
  return timingSafeEqual(digest(given), digest(token));
}

export function routeSummary(route: Route) {
  return {
    name: route.name,
    id: route.id,
    status: route.status,
    ...(route.health ? { health: route.health } : {}),
    upstream: route.upstream ?? null,
    requests: route.requests,
    lastActivity: route.lastActivity?.toISOString() ?? null,
  };
}

export interface AdminSources {
  routes: () => Route[];
  /** A container's visits, or undefined when it is not routed. */
  history: (name: string) => Promise<Visit[] | undefined>;
}

/** Serve the admin endpoint: the body bytes sent, or undefined if the request was not for it. */
export async function serveAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  admin: AdminOptions,
  sources: AdminSources,
): Promise<number | undefined> {
  const url = new URL(req.url ?? '/', 'http://admin.invalid');
  const base = admin.path ?? DEFAULT_ADMIN_PATH;
  const historyOf = url.pathname.startsWith(`${base}/`)
    ? /^([^/]+)\/history$/.exec(url.pathname.slice(base.length + 1))?.[1]
    : undefined;
  if (url.pathname !== base && historyOf === undefined) return undefined;
  let bytes = 0;
  const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = `${JSON.stringify(body, null, 2)}\n`;
    bytes = req.method === 'HEAD' ? 0 : Buffer.byteLength(text);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  if (!authorized(req, admin.token))
    send(
      401,
      { status: 401, error: 'unauthorized', message: 'send Authorization: Bearer <admin token>' },
      { 'www-authenticate': 'Bearer' },
    );
  else if (req.method !== 'GET' && req.method !== 'HEAD')
    send(
      405,
      { status: 405, error: 'method_not_allowed', message: 'the admin endpoint is read-only: use GET' },
      { allow: 'GET, HEAD' },
    );
  else if (historyOf === undefined) send(200, { routes: sources.routes().map(routeSummary) });
  else {
    let name = '';
    try {
      name = decodeURIComponent(historyOf);
    } catch {
      // Not a name: answered 404 below.
    }
    const limit = Number(url.searchParams.get('limit') ?? NaN);
    const visits = isContainerName(name) ? await sources.history(name) : undefined;
    if (!visits) send(404, { status: 404, error: 'not_found', message: `no container named "${name}" is served here` });
    else send(200, { name, visits: Number.isInteger(limit) && limit >= 0 ? visits.slice(-limit) : visits });
  }
  return bytes;
}
