// Lesson 06: reach launched containers through one proxy, by path and by host name, and see
// what a client gets while a container is still starting.
//
// Each launched app has its own published port. The proxy puts them all behind one address:
//   http://127.0.0.1:PORT/docker/<name>/...       (path routing; the prefix is stripped)
//   http://<name>.docker.localhost:PORT/...       (host routing; *.localhost is this machine)
// It routes only to containers the launcher started (label harpoon.launcher=true), follows
// the engine's events to know where each one is, and answers for the ones that cannot serve:
// 503 + Retry-After while starting, 502 once failed, 404 for names it does not serve.
// An authorization hook decides who may reach which app (here: the app's harpoon.owner label
// against the caller's X-User header), and the please-wait page is our own HTML.
import http from 'node:http';
import { Harpoon, Launcher, startProxyServer } from 'harpoon';
import { buildWebapp, WEBAPP } from './webapp.ts';
import { LESSON_ID, lessonLabels } from './whalesay.ts';

const client = await Harpoon.connect();
await buildWebapp(client);
const launcher = new Launcher(client, { labels: lessonLabels });

// Two apps, launched and ready, each owned by someone (a label the hook reads).
const [first, second] = await Promise.all(
  (['first', 'second'] as const).map((which) =>
    launcher.launch({
      image: WEBAPP,
      name: `lesson06-${which}-${LESSON_ID}`,
      input: { which },
      labels: { 'harpoon.owner': which === 'first' ? 'ann' : 'ben' },
    }),
  ),
);

// One proxy in front of them, on loopback only. `labels` scopes it to this lesson's apps.
// The hook runs before any request reaches a container: an app with an owner serves only its
// owner (a real deployment would ask its login service: `authorize: forwardAuth(url)`).
const proxy = await startProxyServer(client, {
  port: 0,
  hostSuffix: '.docker.localhost',
  labels: lessonLabels,
  authorize: (req, route) => {
    const owner = route.labels['harpoon.owner'];
    const user = String(req.headers['x-user'] ?? '');
    if (!owner || user === owner) return { action: 'allow', user };
    return { action: 'deny', message: `${user || 'nobody'} may not use ${route.name}` };
  },
  waitPage:
    '<!doctype html><title>Starting {{name}}</title><p>{{name}} is starting ({{reason}}). This page reloads in {{retryAfter}} s.</p>',
});
proxy.proxy.on('access', (e) =>
  console.log(
    `  access: ${e.method} ${e.url} -> ${e.status} (${e.container ?? '-'}, ${e.bytes} B, ${e.durationMs} ms)`,
  ),
);
console.log(`Proxy listening on ${proxy.url}`);

/** GET through the proxy. `host` sets the Host header; the connection always goes to 127.0.0.1. */
function get(
  path: string,
  host?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; retryAfter?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: proxy.port, path, headers: { ...(host ? { host } : {}), ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}),
            body,
          }),
        );
      },
    );
    req.on('error', reject);
  });
}

// By path: /docker/<name>/<rest> reaches <rest> in the container.
const byPath = await get(`/docker/${first!.name}/input.json`, undefined, { 'x-user': 'ann' });
console.log(`By path: GET /docker/${first!.name}/input.json -> ${byPath.status} ${byPath.body}`);

// By host name: <name>.docker.localhost (a browser resolves *.localhost to this machine by itself).
const byHost = await get('/input.json', `${second!.name}.docker.localhost:${proxy.port}`, { 'x-user': 'ben' });
console.log(
  `By host: GET http://${second!.name}.docker.localhost:${proxy.port}/input.json -> ${byHost.status} ${byHost.body}`,
);

// The wrong user: the hook says no, and the request never reaches the app.
const denied = await get(`/docker/${first!.name}/input.json`, undefined, { 'x-user': 'ben' });
console.log(
  `Denied: GET /docker/${first!.name}/input.json as ben -> ${denied.status} ${JSON.parse(denied.body).message}`,
);

// A slow starter: its web server comes up 3 s after the container starts. `ready: false`
// returns as soon as it has started, so we can watch the proxy answer in the meantime.
const slow = await launcher.launch({
  image: WEBAPP,
  name: `lesson06-slow-${LESSON_ID}`,
  cmd: ['sh', '-c', 'sleep 3; exec /app/start'],
  ready: false,
});
// A browser (Accept: text/html) gets our please-wait page; API clients get JSON.
const page = await get(`/docker/${slow.name}/`, undefined, { accept: 'text/html' });
if (page.status === 503) console.log(`Wait page: ${page.status} ${page.body}`);
for (;;) {
  const answer = await get(`/docker/${slow.name}/`);
  if (answer.status === 200) {
    console.log(`Slow starter: ${answer.status}, ready: ${answer.body.trim()}`);
    break;
  }
  console.log(`Slow starter: ${answer.status} Retry-After: ${answer.retryAfter} ${JSON.parse(answer.body).message}`);
  await new Promise((resolve) => setTimeout(resolve, Number(answer.retryAfter ?? 1) * 500));
}

// A name the proxy does not serve (or a container it did not launch): 404, nothing more.
const unknown = await get('/docker/no-such-app/');
console.log(`Unknown: ${unknown.status} ${JSON.parse(unknown.body).message}`);

// Stop one: the route table hears it from the engine's events, and the proxy says why.
await client.container(first!.name).stop({ timeoutSeconds: 1 });
const asAnn = { 'x-user': 'ann' };
let stopped = await get(`/docker/${first!.name}/`, undefined, asAnn);
for (let tries = 0; stopped.status === 200 && tries < 50; tries++) {
  await new Promise((resolve) => setTimeout(resolve, 100)); // the event may trail the stop by a moment
  stopped = await get(`/docker/${first!.name}/`, undefined, asAnn);
}
console.log(`Stopped: ${stopped.status} ${JSON.parse(stopped.body).message}`);

await proxy.close();
console.log(`Purged: ${(await launcher.purge(lessonLabels)).sort().join(', ')}`);
await launcher.close();
await client.removeManaged(lessonLabels);
const left = await client.listManaged(lessonLabels);
console.log(`After: ${left.containers.length + left.images.length + left.volumes.length} left.`);
