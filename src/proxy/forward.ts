// One HTTP exchange passed upstream with Node's own client: the request streamed through a
// keep-alive pool with the headers (and framing) the proxy decided, the response streamed
// back without its hop-by-hop headers. Written on node:http directly, not a proxy library,
// so that the framing of every byte that leaves is the proxy's decision (see framing.ts).
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { Readable } from 'node:stream';
import { withoutHopByHop } from './headers.ts';

export interface Upstream {
  host: string;
  port: number;
}

/** `http://127.0.0.1:49153` → host and port (what the route table stores). */
export function parseUpstream(origin: string): Upstream {
  const url = new URL(origin);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
}

/** Raised when the upstream stays silent past the proxy's timeout. */
export const UPSTREAM_TIMEOUT = 'HARPOON_UPSTREAM_TIMEOUT';

export interface ForwardOptions {
  upstream: Upstream;
  path: string;
  headers: OutgoingHttpHeaders;
  agent: http.Agent;
  /** Idle time (ms) allowed on the upstream connection before giving up. */
  timeoutMs: number;
  /** The body to send (default: the request itself). */
  body?: Readable;
  /** Adjust the response headers (hop-by-hop already removed) before they go to the client. */
  responseHeaders?: (headers: IncomingHttpHeaders, upstream: IncomingMessage) => void;
  /** Response body bytes as they pass. */
  onBytes?: (n: number) => void;
  /**
   * The exchange failed: before the response began (answer it), or during it (the client's
   * response is cut). Called at most once.
   */
  onError: (err: NodeJS.ErrnoException) => void;
}

/** A reason phrase Node will write as it is; anything else gets Node's own. */
const SAFE_REASON = /^[\t\x20-\x7e]*$/;

export function forward(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void {
  let failed = false;
  const fail = (err: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    options.onError(err);
  };
  const upReq = http.request({
    host: options.upstream.host,
    port: options.upstream.port,
    method: req.method,
    path: options.path,
    headers: options.headers,
    agent: options.agent,
    // The Host header is the client's (or none, for HTTP/1.0): never the upstream's address.
    setHost: false,
    // Be tolerant in what the app answers (bare LF line ends, as curl and nginx accept); the
    // client-facing side stays strict. The response is re-serialized by Node, never relayed raw.
    insecureHTTPParser: true,
  });
  upReq.setTimeout(options.timeoutMs, () =>
    upReq.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: UPSTREAM_TIMEOUT })),
  );
  upReq.on('error', fail);
  upReq.on('response', (upRes) => {
    upRes.on('error', () => res.destroy());
    // Cut short upstream: cut the client's response too, so it cannot pass as complete.
    upRes.on('close', () => {
      if (!upRes.complete) res.destroy();
    });
    const headers = withoutHopByHop(upRes.headers);
    // A chunked body's length is the chunks' (RFC 9112 §6.3): a Content-Length beside it lies.
    if (upRes.headers['transfer-encoding'] !== undefined) delete headers['content-length'];
    options.responseHeaders?.(headers, upRes);
    const status = upRes.statusCode ?? 502;
    try {
      if (status < 200)
        throw Object.assign(new Error(`the app answered ${status} to a plain request`), { code: 'HARPOON_BAD_STATUS' });
      const reason = upRes.statusMessage && SAFE_REASON.test(upRes.statusMessage) ? upRes.statusMessage : undefined;
      if (reason) res.writeHead(status, reason, headers);
      else res.writeHead(status, headers);
    } catch (err) {
      upRes.destroy();
      fail(err as NodeJS.ErrnoException);
      return;
    }
    if (options.onBytes) upRes.on('data', (chunk: Buffer) => options.onBytes!(chunk.length));
    upRes.pipe(res);
  });
  // The client went away before the response was complete: stop the upstream exchange too.
  res.on('close', () => {
    if (!res.writableFinished) upReq.destroy();
  });
  const body = options.body ?? req;
  body.on('error', () => upReq.destroy());
  body.pipe(upReq);
}
