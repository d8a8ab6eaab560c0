// Shared by the proxy test files: the echo app and web app images, a launcher, a proxy on
// 127.0.0.1 scoped to this run's label, and raw HTTP to it (only ever 127.0.0.1).
import http from 'node:http';
import * as assert from 'uvu/assert';
import { Launcher, startProxyServer, type Harpoon, type RunningProxy, type ProxyServerOptions } from 'harpoon';
import { buildWebapp } from '../../lessons/webapp.ts';
import { buildEchoApp, ECHO_PORT } from './echo-app.ts';
import { RUN_ID, testLabels } from './engine.ts';
import { engineTests } from './integration.ts';
import { privateStateDir, TEST_WEBAPP } from './launcher.ts';

export const TEST_ECHO = `harpoon-test-echo:${RUN_ID}`;
export { ECHO_PORT, TEST_WEBAPP };
export const HOST_SUFFIX = '.docker.localhost';

export interface ProxyFixture {
  client: Harpoon;
  launcher: Launcher;
  proxy: RunningProxy;
  stateDir: string;
}

/**
 * engineTests for a proxy test file: both images built, a Launcher and a proxy server
 * (path and host routing, scoped to this run's test label) started once; all closed at the end.
 */
export async function proxyTests(prefix: string, options: ProxyServerOptions = {}) {
  const state = privateStateDir(prefix);
  const fixture = {} as ProxyFixture;
  const it = await engineTests({
    ready: async (client) => {
      await Promise.all([
        buildWebapp(client, { tag: TEST_WEBAPP, labels: testLabels }),
        buildEchoApp(client, { tag: TEST_ECHO, labels: testLabels }),
      ]);
      fixture.client = client;
      fixture.launcher = new Launcher(client, { labels: testLabels });
      fixture.proxy = await startProxyServer(client, {
        port: 0,
        hostSuffix: HOST_SUFFIX,
        labels: testLabels,
        ...options,
      });
      fixture.stateDir = state.dir;
    },
    after: async () => {
      await fixture.proxy?.close();
      await fixture.launcher?.close();
      state.remove();
    },
  });
  return { it, fixture };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sets the Host header (for host routing); the connection still goes to 127.0.0.1. */
  host?: string;
  timeoutMs?: number;
}

/** One request to `base` + `path` on loopback, on a fresh connection; the whole reply. */
export function send(base: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const target = new URL(base);
  assert.is(target.hostname, '127.0.0.1', 'tests only talk to loopback');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: options.method ?? 'GET',
        path,
        agent: false,
        // An explicit length: Node sends a GET/DELETE/OPTIONS body without one otherwise.
        headers: {
          ...(options.host ? { host: options.host } : {}),
          ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${path} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `send` again every 100 ms until the answer has `status` (or `ms` pass); the last reply. */
export async function sendUntil(base: string, path: string, status: number, ms = 5_000): Promise<Reply> {
  const deadline = Date.now() + ms;
  let reply = await send(base, path);
  while (reply.status !== status && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    reply = await send(base, path);
  }
  return reply;
}

/** The echo app's report of what reached it: method, url and headers. */
export function echoed(reply: Reply): { method: string; url: string; headers: Record<string, string> } {
  return {
    method: String(reply.headers['x-echo-method']),
    url: String(reply.headers['x-echo-url']),
    headers: JSON.parse(Buffer.from(String(reply.headers['x-echo-headers'] ?? 'e30='), 'base64').toString('utf8')),
  };
}

/** Launch the echo app under `name` (ready when it answers on /). */
export function launchEcho(
  launcher: Launcher,
  name: string,
  extra: { labels?: Record<string, string>; cmd?: string[] } = {},
) {
  return launcher.launch({ image: TEST_ECHO, name, containerPort: ECHO_PORT, ...extra });
}
