// Upgraded connections: a WebSocket handshake is passed to the app and, once it switches
// protocols, bytes flow both ways untouched until either side closes or both fall silent for
// the idle timeout. Requests that arrive through Node's `upgrade` event but are not WebSocket
// handshakes (h2c, `curl --http2`) are answered as plain HTTP on the same socket.
import http, { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { UPSTREAM_TIMEOUT, type Upstream } from './forward.ts';

/**
 * A ServerResponse writing to a socket Node's server has let go of (after `upgrade`), so that
 * answers on it are framed as on any other response; the socket closes after it.
 */
export function socketResponse(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    (socket as Socket).destroySoon?.() ?? socket.end();
  });
  res.once('close', () => socket.destroy());
  return res;
}

/**
 * The body of a request that came through `upgrade` (Node's parser stopped at the headers):
 * the bytes already read, then the socket's, up to Content-Length. Undefined for a chunked
 * body, which the proxy does not take on this path.
 */
export function upgradeRequestBody(req: IncomingMessage, socket: Duplex, head: Buffer): Readable | undefined {
  if (req.headers['transfer-encoding'] !== undefined) return undefined;
  let left = Number(req.headers['content-length'] ?? 0);
  if (!Number.isSafeInteger(left) || left < 0) return undefined;
  const body = new PassThrough();
  const take = (chunk: Buffer) => {
    const part = chunk.subarray(0, left);
    left -= part.length;
    if (part.length) body.write(part);
    if (left === 0) {
      socket.off('data', take);
      body.end();
    }
  };
  if (left === 0) body.end();
  else {
    take(head);
    if (left > 0) socket.on('data', take);
  }
  return body;
}

export interface TunnelOptions {
  upstream: Upstream;
  path: string;
  headers: OutgoingHttpHeaders;
  /** How long the app may take to answer the handshake (ms). */
  timeoutMs: number;
  /** Close the tunnel when neither side has sent a byte for this long (ms); 0: never. */
  idleTimeoutMs: number;
  /** The app switched protocols; the tunnel is open. */
  onOpen?: (upstream: Socket) => void;
  /** The app answered the handshake without switching (its answer is passed on). */
  onRefused?: (status: number) => void;
  /** The app could not be reached (nothing was sent to the client yet). */
  onError: (err: NodeJS.ErrnoException) => void;
}

export function tunnel(req: IncomingMessage, socket: Duplex, head: Buffer, options: TunnelOptions): void {
  const upReq = http.request({
    host: options.upstream.host,
    port: options.upstream.port,
    method: req.method,
    path: options.path,
    headers: options.headers,
    // Upgraded connections never go back to a pool.
    agent: false,
    setHost: false,
    insecureHTTPParser: true,
  });
  upReq.setTimeout(options.timeoutMs, () =>
    upReq.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: UPSTREAM_TIMEOUT })),
  );
  const clientGone = () => upReq.destroy();
  socket.once('close', clientGone);
  upReq.once('error', (err) => {
    socket.off('close', clientGone);
    if (!socket.destroyed) options.onError(err);
  });
  upReq.once('upgrade', (upRes, upSocket, upHead) => {
    socket.off('close', clientGone);
    upSocket.setTimeout(0);
    if (!socket.writable) return upSocket.destroy();
    // The app's own handshake answer (its Sec-WebSocket-Accept, protocol, extensions).
    const lines = [`HTTP/1.1 101 ${upRes.statusMessage || 'Switching Protocols'}`];
    for (let i = 0; i < upRes.rawHeaders.length; i += 2)
      lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upHead.length) socket.write(upHead);
    if (head.length) upSocket.write(head);
    const close = () => {
      socket.destroy();
      upSocket.destroy();
    };
    for (const side of [socket, upSocket]) {
      side.on('error', close);
      side.on('close', close);
    }
    if (options.idleTimeoutMs > 0) {
      // Silent in both directions: reading resets a socket's timer, writing resets it too.
      for (const side of [socket as Socket, upSocket]) side.setTimeout?.(options.idleTimeoutMs, close);
    }
    socket.pipe(upSocket);
    upSocket.pipe(socket);
    options.onOpen?.(upSocket);
  });
  upReq.once('response', (upRes) => {
    socket.off('close', clientGone);
    // The app did not switch: its answer goes back as it is, and the connection closes.
    options.onRefused?.(upRes.statusCode ?? 502);
    const res = socketResponse(req, socket);
    const headers: OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(upRes.headers))
      if (!['connection', 'keep-alive', 'transfer-encoding', 'upgrade'].includes(key)) headers[key] = value;
    if (upRes.headers['transfer-encoding'] !== undefined) delete headers['content-length'];
    try {
      res.writeHead(upRes.statusCode ?? 502, headers);
    } catch {
      res.destroy();
      upRes.destroy();
      return;
    }
    upRes.pipe(res);
    upRes.on('error', () => res.destroy());
  });
  upReq.end();
}
