// The standalone proxy: a Node HTTP server with the proxy as its only handler, and the
// client-facing deadlines and errors a server facing browsers and hostile clients needs
// (408 for a client too slow with its headers, 414/431 for oversized ones, 400 for garbage).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Harpoon } from '../core/client.ts';
import { InvalidInputError } from '../core/errors.ts';
import { overflowStatus } from './framing.ts';
import { HarpoonProxy, type ProxyOptions } from './proxy.ts';

/** startProxyServer's options: the proxy's, plus where to listen and the client deadlines. */
export interface ProxyServerOptions extends ProxyOptions {
  /** Port to listen on (default 8000; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1: reachable from this machine only). */
  host?: string;
  /** A client must send its request line and headers within this long (ms, default 60 000), else 408. */
  headersTimeoutMs?: number;
  /** A client must send its whole request within this long (ms, default 300 000; 0: no limit), else 408. */
  requestTimeoutMs?: number;
  /** An idle keep-alive client connection is closed after this long (ms, default 5 000). */
  keepAliveTimeoutMs?: number;
}

/** A started proxy server: its address, the proxy, and how to close it. */
export interface RunningProxy {
  proxy: HarpoonProxy;
  server: http.Server;
  port: number;
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  /** Stop accepting, end idle client connections, stop following events. */
  close(): Promise<void>;
}

/** How long close() lets requests in flight finish before cutting every connection. */
const CLOSE_GRACE_MS = 2_000;

/** Start an HTTP server with the proxy as its only handler (on 127.0.0.1:8000 unless told otherwise). */
export async function startProxyServer(client: Harpoon, options: ProxyServerOptions = {}): Promise<RunningProxy> {
  const {
    port = 8000,
    host = '127.0.0.1',
    headersTimeoutMs = 60_000,
    requestTimeoutMs = 300_000,
    keepAliveTimeoutMs = 5_000,
    ...proxyOptions
  } = options;
  for (const [key, value, min] of [
    ['headersTimeoutMs', headersTimeoutMs, 1],
    ['requestTimeoutMs', requestTimeoutMs, 0],
    ['keepAliveTimeoutMs', keepAliveTimeoutMs, 1],
  ] as const) {
    if (!(Number.isFinite(value) && value >= min))
      throw new InvalidInputError(key, `${value} is not a ${min ? 'positive ' : ''}number of milliseconds`);
  }
  const proxy = new HarpoonProxy(client, proxyOptions);
  const server = http.createServer(
    {
      headersTimeout: headersTimeoutMs,
      // Node wants the whole-request deadline to be no shorter than the headers' one.
      requestTimeout: requestTimeoutMs && Math.max(requestTimeoutMs, headersTimeoutMs),
      keepAliveTimeout: keepAliveTimeoutMs,
      // How often Node checks those deadlines: often enough that a 408 comes close to on time.
      connectionsCheckingInterval: Math.max(250, Math.min(5_000, Math.floor(headersTimeoutMs / 4))),
    },
    proxy.handle,
  );
  // A connection that never sends a byte is outside Node's headers timeout (it starts with the
  // first byte): give it the same deadline, as nginx's client_header_timeout (Node destroys a
  // socket that times out with nobody listening), and lift it once a request has arrived: an
  // app slower than that is waited for (timeoutMs), and between requests keepAliveTimeoutMs rules.
  server.on('connection', (socket) => socket.setTimeout(headersTimeoutMs));
  server.prependListener('request', (req) => req.socket.setTimeout(0));
  server.prependListener('upgrade', (req) => req.socket.setTimeout(0));
  // Upgraded (WebSocket) connections leave the HTTP server's bookkeeping: close() must end them itself.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req, socket, head) => {
    if (!proxy.handleUpgrade(req, socket, head)) return socket.destroy();
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  // A client that sends garbage gets a 400 (a slow one 408, an oversized one 414/431), not a crash.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? overflowStatus(err.rawPacket)
          : 400;
    // Not in the middle of a response on this connection: that one would be corrupted.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent)
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  try {
    await proxy.start();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await proxy.close();
    throw err;
  }
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  return {
    proxy,
    server,
    port: bound,
    url: `http://${urlHost}:${bound}`,
    close: () =>
      (closing ??= (async () => {
        // Stop accepting and end idle keep-alive connections; requests in flight may finish
        // (their upstream connections stay up) until the grace runs out, then everything goes.
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const cut = setTimeout(() => {
          server.closeAllConnections();
          for (const socket of upgraded) socket.destroy();
        }, CLOSE_GRACE_MS);
        await drained;
        clearTimeout(cut);
        // WebSockets are not requests that finish: once the requests have, they are cut too.
        for (const socket of upgraded) socket.destroy();
        await proxy.close();
      })()),
  };
}
