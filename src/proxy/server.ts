// The standalone proxy: a Node HTTP server with the proxy as its only handler.
import http from 'node:http';
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

export async function startProxyServer(client: Harpoon, options: ProxyServerOptions = {}): Promise<RunningProxy> {
  const { port = 8000, host = '127.0.0.1', ...proxyOptions } = options;
  const proxy = new HarpoonProxy(client, proxyOptions);
  await proxy.start();
  const server = http.createServer(proxy.handle);
  server.on('upgrade', (req, socket, head) => {
    if (!proxy.handleUpgrade(req, socket, head)) socket.destroy();
  });
  // A client that sends garbage gets a 400, not a crash.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  try {
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
  return {
    proxy,
    server,
    port: bound,
    url: `http://${urlHost}:${bound}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await proxy.close();
      // Requests in flight get a moment, then their connections are cut.
      const timer = setTimeout(() => server.closeAllConnections(), 2_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
