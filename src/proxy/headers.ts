// Header hygiene between client and container: hop-by-hop headers stop at the proxy
// (RFC 9110 §7.6.1), the body's framing is the proxy's own (framing.ts), X-Forwarded-*
// describe the real client (replaced, never appended to, unless the proxy is told to trust
// its own front proxy), and redirects under path routing keep the client under the prefix.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { BodyFraming } from './framing.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** What a client may claim about itself; only a trusted front proxy may set these. */
const CLIENT_CLAIMS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
  'x-forwarded-user',
];

/**
 * Headers a Connection token cannot remove: framing and routing are decided by the proxy. A
 * client sending `Connection: content-length` would otherwise strip its body's length and
 * have the body read upstream as the next request.
 */
const NOT_HOP_BY_HOP = new Set(['content-length', 'host', ...CLIENT_CLAIMS]);

function connectionTokens(headers: IncomingHttpHeaders): string[] {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'connection');
  const value = key === undefined ? undefined : (headers[key] as string | string[] | undefined);
  return (Array.isArray(value) ? value.join(',') : (value ?? ''))
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * A copy without hop-by-hop headers (and those the Connection header names). For a WebSocket
 * handshake, `Connection: Upgrade` and `Upgrade` are what the upstream needs, so they stay.
 */
export function withoutHopByHop<T extends IncomingHttpHeaders | OutgoingHttpHeaders>(
  headers: T,
  options: { upgrade?: boolean } = {},
): T {
  const named = connectionTokens(headers as IncomingHttpHeaders);
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    if (HOP_BY_HOP.has(lower) || (named.includes(lower) && !NOT_HOP_BY_HOP.has(lower))) continue;
    out[key] = value;
  }
  if (options.upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = headers.upgrade;
  }
  return out as T;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export interface ForwardingOptions {
  /** Keep (and extend) X-Forwarded-* from the client: only behind a front proxy you run. */
  trustProxy: boolean;
  /** Sent as X-Forwarded-Prefix under path routing. */
  publicPrefix: string;
  /** The request body's framing (checkFraming); none when not given. */
  framing?: BodyFraming;
  /** Pass header names with underscores (dropped by default, as nginx's `underscores_in_headers off`). */
  underscoresInHeaders?: boolean;
}

/** The scheme the client used: its own connection's, or a trusted front proxy's word. */
export function clientProto(req: IncomingMessage, trustProxy: boolean): string {
  const claimed = trustProxy ? first(req.headers['x-forwarded-proto'])?.split(',')[0]?.trim() : undefined;
  return claimed || ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
}

/** The host the client asked for: the Host header, or a trusted front proxy's word. */
export function clientHost(req: IncomingMessage, trustProxy: boolean): string {
  const claimed = trustProxy ? first(req.headers['x-forwarded-host'])?.split(',')[0]?.trim() : undefined;
  return claimed || req.headers.host || '';
}

/** The headers to send upstream: hop-by-hop removed, client claims replaced by what we know. */
export function upstreamHeaders(
  req: IncomingMessage,
  options: ForwardingOptions,
  upgrade = false,
): IncomingHttpHeaders {
  const headers = withoutHopByHop(req.headers, { upgrade });
  // X_Real_IP and X-Real-IP are one header to many frameworks (CGI, WSGI): a client could set
  // under the one name what the proxy removed under the other.
  if (!options.underscoresInHeaders) for (const key of Object.keys(headers)) if (key.includes('_')) delete headers[key];
  // The framing is the proxy's: the length Node's parser read, or chunked; never the client's
  // words. Expect was answered here (Node sends 100 Continue), so it does not go on.
  delete headers['content-length'];
  delete headers.expect;
  const framing = options.framing ?? { kind: 'none' };
  if (framing.kind === 'length') headers['content-length'] = String(framing.length);
  else if (framing.kind === 'chunked') headers['transfer-encoding'] = 'chunked';
  // An IPv4 client on a dual-stack listener shows as ::ffff:a.b.c.d: report a.b.c.d.
  const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const proto = clientProto(req, options.trustProxy);
  const host = clientHost(req, options.trustProxy);
  const priorFor = options.trustProxy ? first(req.headers['x-forwarded-for']) : undefined;
  if (!options.trustProxy) for (const claim of CLIENT_CLAIMS) delete headers[claim];
  headers['x-forwarded-for'] = priorFor ? `${priorFor}, ${remote}` : remote;
  headers['x-forwarded-proto'] = upgrade ? proto.replace(/^http/, 'ws') : proto;
  headers['x-forwarded-host'] = host;
  // Behind a trusted front proxy that mounts us under its own prefix, the prefixes add up.
  const priorPrefix = options.trustProxy ? (first(req.headers['x-forwarded-prefix']) ?? '').replace(/\/+$/, '') : '';
  const prefix = `${priorPrefix}${options.publicPrefix}`;
  if (prefix) headers['x-forwarded-prefix'] = prefix;
  else delete headers['x-forwarded-prefix'];
  return headers;
}

function originOf(text: string): string {
  try {
    return new URL(text).origin;
  } catch {
    return text;
  }
}

export interface LocationContext {
  /** e.g. `/docker/web-1`, or '' under host routing. */
  publicPrefix: string;
  /** Whether the upstream sees paths without the prefix (so its absolute paths need it added). */
  stripped: boolean;
  /** The origin the client used, e.g. `http://127.0.0.1:8000`. */
  publicOrigin: string;
  /** The container's published origin, e.g. `http://127.0.0.1:49153`. */
  upstreamOrigin: string;
}

/**
 * Rewrite a redirect's Location so the client stays behind the proxy: an absolute path gets
 * the prefix; an absolute URL to the container's published port, or to the proxy's own
 * origin without the prefix, is moved under the proxy. Anything else (other sites, relative
 * references) passes unchanged.
 */
export function rewriteLocation(location: string, ctx: LocationContext): string {
  const addPrefix = (path: string) =>
    ctx.stripped && ctx.publicPrefix && !path.startsWith(`${ctx.publicPrefix}/`) && path !== ctx.publicPrefix
      ? `${ctx.publicPrefix}${path}`
      : path;
  if (location.startsWith('/') && !location.startsWith('//')) return addPrefix(location);
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location;
  }
  const tail = `${url.pathname}${url.search}${url.hash}`;
  // Compare as URL does (lower-case host, no default port): `http://Host:80` is `http://host`.
  if (url.origin === originOf(ctx.upstreamOrigin) || url.origin === originOf(ctx.publicOrigin))
    return `${ctx.publicOrigin}${addPrefix(tail)}`;
  return location;
}
