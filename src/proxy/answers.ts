// What the proxy says when it cannot pass a request on: starting (503 + Retry-After, and a
// page that refreshes itself for browsers), failed (502 with the container's state), gone
// (404), upstream trouble (502/504). The same answers for every method, so a POST to a
// starting app learns it is starting (django_docker_engine answered it 405).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { Route } from './routes.ts';

/** What the proxy can do with a request for a route: pass it on, or why not. */
export type Availability =
  | { kind: 'ready'; upstream: string }
  /** Will likely answer soon: created, restarting, health check starting, app not listening yet. */
  | { kind: 'starting'; reason: string }
  /** Paused: not coming back by itself, but not failed either. */
  | { kind: 'paused'; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'gone' };

/** How a route's engine state translates into what the proxy can do with a request. */
export function availability(route: Route | undefined): Availability {
  if (!route || route.status === 'removing') return { kind: 'gone' };
  switch (route.status) {
    case 'created':
      return { kind: 'starting', reason: 'created, not started yet' };
    case 'restarting':
      return { kind: 'starting', reason: 'restarting' };
    case 'paused':
      return { kind: 'paused', reason: 'paused' };
    case 'running':
      if (route.health === 'starting') return { kind: 'starting', reason: 'its health check has not passed yet' };
      if (route.health === 'unhealthy') return { kind: 'failed', reason: 'running but unhealthy' };
      if (!route.upstream)
        return { kind: 'failed', reason: `running, but port ${route.containerPort} is not published` };
      return { kind: 'ready', upstream: route.upstream };
    default:
      return { kind: 'failed', reason: describeExit(route) };
  }
}

/** Exit codes 128+N mean "ended by signal N": say it in words a user of the app understands. */
const SIGNAL_EXITS: Record<number, string> = {
  130: 'was interrupted (SIGINT)',
  134: 'aborted (SIGABRT)',
  137: 'was killed (SIGKILL: out of memory, or stopped by force)',
  139: 'crashed (SIGSEGV)',
  143: 'was stopped (SIGTERM)',
};

function describeExit(route: Route): string {
  const signal = route.oomKilled ? undefined : SIGNAL_EXITS[route.exitCode];
  const parts = [`${route.status} with code ${route.exitCode}${signal ? `: it ${signal}` : ''}`];
  if (route.oomKilled) parts.push('killed for lack of memory');
  if (route.error) parts.push(route.error);
  return parts.join('; ');
}

export interface Answer {
  status: number;
  /** A short machine word: starting, paused, failed, not_found, bad_gateway, timeout, bad_request, forbidden. */
  error: string;
  message: string;
  container?: string;
  /** Why the container cannot serve yet (or at all), for pages: "created, not started yet". */
  reason?: string;
  /** Seconds; sets Retry-After (and the page's refresh). */
  retryAfter?: number;
  /** Extra response headers (a deny's WWW-Authenticate, a redirect's Location). */
  headers?: Record<string, string>;
  /** A body given whole (an auth service's own denial page) instead of the proxy's page. */
  body?: { type: string; data: Buffer };
}

/**
 * HTML pages for the proxy's own answers, by status (503 is the please-wait page; 404, 502,
 * ...), with {{name}}, {{reason}}, {{retryAfter}}, {{status}}, {{title}} and {{message}}
 * replaced (HTML-escaped). Clients that do not ask for HTML get JSON, as always.
 */
export type PageTemplates = Partial<Record<number, string>>;

const PLACEHOLDER = /\{\{\s*(name|reason|retryAfter|status|title|message)\s*\}\}/g;

function wantsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/.test(String(req.headers.accept ?? ''));
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function titleOf(answer: Answer): string {
  return answer.error === 'starting' ? 'Starting…' : `${answer.status} ${STATUS_CODES[answer.status] ?? ''}`;
}

/** A template filled in: every placeholder HTML-escaped, so a container's reason cannot inject markup. */
export function fillPage(template: string, answer: Answer): string {
  const values: Record<string, string> = {
    name: answer.container ?? '',
    reason: answer.reason ?? answer.message,
    retryAfter: answer.retryAfter === undefined ? '' : String(answer.retryAfter),
    status: String(answer.status),
    title: titleOf(answer),
    message: answer.message,
  };
  return template.replace(PLACEHOLDER, (_all, key: string) => escapeHtml(values[key] ?? ''));
}

function page(answer: Answer, templates: PageTemplates | undefined): string {
  const template = templates?.[answer.status];
  if (template !== undefined) return fillPage(template, answer);
  const refresh = answer.retryAfter ? `<meta http-equiv="refresh" content="${answer.retryAfter}">` : '';
  const title = titleOf(answer);
  return `<!doctype html><html><head><meta charset="utf-8">${refresh}<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(answer.message)}</p>${answer.retryAfter ? '<p>This page reloads by itself.</p>' : ''}</body></html>\n`;
}

function body(
  req: IncomingMessage,
  answer: Answer,
  templates?: PageTemplates,
): { type: string; text: string | Buffer } {
  if (answer.body) return { type: answer.body.type, text: answer.body.data };
  if (wantsHtml(req)) return { type: 'text/html; charset=utf-8', text: page(answer, templates) };
  const json = {
    status: answer.status,
    error: answer.error,
    message: answer.message,
    ...(answer.container ? { container: answer.container } : {}),
    ...(answer.retryAfter ? { retryAfter: answer.retryAfter } : {}),
  };
  return { type: 'application/json; charset=utf-8', text: `${JSON.stringify(json)}\n` };
}

/** Answer an HTTP request ourselves (HEAD gets the headers only); returns the body bytes sent. */
export function sendAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  answer: Answer,
  templates?: PageTemplates,
): number {
  if (res.headersSent) {
    res.destroy();
    return 0;
  }
  const { type, text } = body(req, answer, templates);
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(answer.retryAfter ? { 'retry-after': String(answer.retryAfter) } : {}),
    // A custom page may lack the default page's meta refresh: browsers honour this header too.
    ...(answer.retryAfter && templates?.[answer.status] !== undefined ? { refresh: String(answer.retryAfter) } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
  return req.method === 'HEAD' ? 0 : Buffer.byteLength(text);
}

/** Answer a WebSocket handshake we cannot pass on, then close the socket. */
export function rejectUpgrade(req: IncomingMessage, socket: Duplex, answer: Answer, templates?: PageTemplates): void {
  const { type, text } = body(req, answer, templates);
  const head = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`,
    ...Object.entries(answer.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    `content-type: ${type}`,
    `content-length: ${Buffer.byteLength(text)}`,
    'cache-control: no-store',
    ...(answer.retryAfter ? [`retry-after: ${answer.retryAfter}`] : []),
    'connection: close',
  ];
  if (socket.writable) socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.from(text)]));
  else socket.destroy();
}

/** The answer for a route that is not ready. */
export function notReadyAnswer(
  name: string,
  state: Exclude<Availability, { kind: 'ready' }>,
  retryAfter: number,
): Answer {
  switch (state.kind) {
    case 'gone':
      return {
        status: 404,
        error: 'not_found',
        container: name,
        message: `No container named "${name}" is served here.`,
      };
    case 'starting':
      return {
        status: 503,
        error: 'starting',
        container: name,
        reason: state.reason,
        retryAfter,
        message: `"${name}" is starting (${state.reason}). Try again in a moment.`,
      };
    case 'paused':
      return {
        status: 503,
        error: 'paused',
        container: name,
        reason: state.reason,
        retryAfter: Math.max(retryAfter, 10),
        message: `"${name}" is paused.`,
      };
    case 'failed':
      return {
        status: 502,
        error: 'failed',
        container: name,
        reason: state.reason,
        message: `"${name}" is not serving: ${state.reason}.`,
      };
  }
}
