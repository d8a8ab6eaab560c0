// The standalone proxy: a Node HTTP server with the proxy as its only handler.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Harpoon } from '../core/client.ts';
import { HarpoonProxy, type ProxyOptions } from './proxy.ts';

export interface ProxyServerOptions extends ProxyOptions {
  /** Port to listen on (default 8000; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1: reachable from this machine only). */
  host?: string;
}

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

export async function startProxyServer(client: Harpoon, options: ProxyServerOptions = {}): Promise<RunningProxy> {
  const { port = 8000, host = '127.0.0.1', ...proxyOptions } = options;
  const proxy = new HarpoonProxy(client, proxyOptions);
  const server = http.createServer(proxy.handle);
  // Upgraded (WebSocket) connections leave the HTTP server's bookkeeping: close() must end them itself.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req, socket, head) => {
    if (!proxy.handleUpgrade(req, socket, head)) return socket.destroy();
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  // A client that sends garbage gets a 400, not a crash.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
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
        await proxy.close();
      })()),
  };
}
