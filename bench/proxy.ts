// proxy: HTTP load on one busybox httpd container (lessons/webapp.ts, launched with the
// launcher), measured with wrk (2 threads, 50 connections, `GET /` of the app) three ways in
// the same run, in interleaved rounds:
//   direct   http://127.0.0.1:<published port>/                 (docker-proxy, then httpd)
//   nginx    http://127.0.0.1:<port>/docker/<name>/             (nginx as a reverse proxy: the anchor)
//   harpoon  <startProxyServer url>/docker/<name>/              (harpoon's proxy, in a child process)
// Lines (ratio = harpoon / anchor, anchor = nginx, as everywhere in the bench):
//   proxy-rps    requests/s, median of the rounds        HIGHER is better (ratio > 1: harpoon serves more)
//   proxy-p50    median latency (wrk's 50%), median      lower is faster
//   proxy-p99    wrk's 99% latency, median of the rounds  lower is faster
//   proxy-share  each proxy's requests/s as a fraction of direct's in the same round, median:
//                harpoon=<harpoon/direct> anchor=<nginx/direct>   HIGHER is better; goal ratio ≥ 1.00
// Every wrk run must be clean: a GET through the contestant answers 200 with the app's page
// first, and wrk's non-2xx/3xx responses and socket errors stay below a small fraction (else
// the bench fails), so a broken proxy cannot look fast.
// Needs wrk and nginx (Debian: scripts/bench-tools.sh installs them, run here when missing).
// Environment: BENCH_PROXY_SECONDS (5), BENCH_PROXY_ROUNDS (5), BENCH_PROXY_WARMUP_SECONDS (3),
// BENCH_PROXY_CONNECTIONS (50), BENCH_PROXY_THREADS (2).
//
// Run as a script (`node --import tsx bench/proxy.ts serve-harpoon-proxy`), this file is the
// harpoon contestant's child process: it starts harpoon's proxy on 127.0.0.1:0, prints
// {"url","port"} as one JSON line, and serves until its stdin closes (or SIGTERM/SIGINT).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, readFileSync } from 'node:fs';
import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as harpoonApi from 'harpoon';
import { Harpoon, Launcher } from 'harpoon';
import { buildWebapp } from '../lessons/webapp.ts';
import {
  LOCAL_HOST,
  median,
  privateStateDir,
  progress,
  report,
  stop,
  StoppedError,
  type Bench,
  type BenchContext,
} from './lib.ts';

const ROOT = join(import.meta.dirname, '..');
const THIS_FILE = fileURLToPath(import.meta.url);
const CHILD_ARG = 'serve-harpoon-proxy';

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${raw}: expected an integer >= ${min}`);
  return value;
}

/** Seconds per measured wrk run, measured rounds, warm-up seconds, wrk connections and threads. */
function settings() {
  return {
    seconds: envInt('BENCH_PROXY_SECONDS', 5, 1),
    rounds: envInt('BENCH_PROXY_ROUNDS', 5, 1),
    warmupSeconds: envInt('BENCH_PROXY_WARMUP_SECONDS', 3, 0),
    connections: envInt('BENCH_PROXY_CONNECTIONS', 50, 1),
    threads: envInt('BENCH_PROXY_THREADS', 2, 1),
  };
}
type Settings = ReturnType<typeof settings>;

/** A wrk run fails the bench when more than this fraction of its requests got a non-2xx/3xx answer... */
const MAX_BAD_STATUS_FRACTION = 0.001;
/** ...or more than this fraction hit a socket error (connect/read/write errors and 2 s timeouts). */
const MAX_SOCKET_ERROR_FRACTION = 0.01;
/** What the web app's `GET /` answers (lessons/webapp.ts writes it to /www/index.html). */
const APP_PAGE = '<h1>harpoon web app</h1>';
const START_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// harpoon's proxy API (src/proxy), looked up at run time so this file compiles and runs with
// or without it: `startProxyServer(client, { port, host })`.

interface ProxyServer {
  url: string;
  port: number;
  close(): Promise<void>;
}
type StartProxyServer = (client: Harpoon, options: { port: number; host: string }) => Promise<ProxyServer>;

function startProxyServerExport(): StartProxyServer | undefined {
  const fn = (harpoonApi as unknown as Record<string, unknown>).startProxyServer;
  return typeof fn === 'function' ? (fn as StartProxyServer) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Tools

function isExecutable(path: string): Promise<boolean> {
  return access(path, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The tool on PATH, or in the sbin directories a non-root PATH lacks (nginx is /usr/sbin/nginx). */
async function findTool(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) if (await isExecutable(join(dir, name))) return join(dir, name);
  return undefined;
}

/** wrk and nginx; when either is missing, run scripts/bench-tools.sh (root: installs them) once. */
async function ensureTools(): Promise<{ wrk: string; nginx: string }> {
  let [wrk, nginx] = await Promise.all([findTool('wrk'), findTool('nginx')]);
  if (wrk && nginx) return { wrk, nginx };
  const script = join(ROOT, 'scripts', 'bench-tools.sh');
  progress(
    `proxy: ${[!wrk && 'wrk', !nginx && 'nginx'].filter(Boolean).join(' and ')} missing; running bash scripts/bench-tools.sh`,
  );
  const code = await new Promise<number | null>((done) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', () => done(null));
    child.once('close', done);
  });
  [wrk, nginx] = await Promise.all([findTool('wrk'), findTool('nginx')]);
  if (wrk && nginx) return { wrk, nginx };
  throw new Error(
    `the proxy bench needs wrk and nginx (bench-tools.sh exited ${code}); as root on Debian: bash scripts/bench-tools.sh (apt-get install -y wrk nginx-light)`,
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/** A free TCP port on 127.0.0.1 (bound, read, released; the tiny race is harmless here). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** One GET on a fresh connection: status and body, or the error's message. */
function get(url: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((done) => {
    const req = http.get(url, { agent: false, signal: AbortSignal.timeout(5_000) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => done({ error: err.message }));
    });
    req.on('error', (err) => done({ error: err.message }));
  });
}

/** Throw unless `url` answers 200 with the app's page. */
async function checkApp(name: string, url: string): Promise<void> {
  const res = await get(url);
  if ('error' in res) throw new Error(`${name}: GET ${url} failed: ${res.error}`);
  if (res.status !== 200 || !res.body.includes(APP_PAGE)) {
    throw new Error(
      `${name}: GET ${url} answered ${res.status}, not 200 with the app's page: ${JSON.stringify(res.body.slice(0, 200))}`,
    );
  }
}

/** Poll until `url` answers the app's page (or `exited` rejects, or the deadline passes). */
async function waitForApp(name: string, url: string, exited?: Promise<never>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const attempt = checkApp(name, url).then(
      () => undefined,
      (err: Error) => err,
    );
    const err = await (exited ? Promise.race([attempt, exited]) : attempt);
    if (!err) return;
    if (Date.now() > deadline) throw new Error(`${err.message} (still, after ${START_TIMEOUT_MS / 1000} s)`);
    await sleep(50);
  }
}

/** A promise that rejects when the child exits (kept from being unhandled). */
function exitOf(child: ChildProcess, what: string, detail: () => string): Promise<never> {
  const exited = new Promise<never>((_, fail) => {
    child.once('error', (err) => fail(new Error(`${what} failed to start: ${err.message}`)));
    child.once('exit', (code, signal) => fail(new Error(`${what} exited (${signal ?? code})${detail()}`)));
  });
  exited.catch(() => {});
  return exited;
}

/** SIGTERM the child, wait for it; SIGKILL its process group (it was started detached) after 5 s. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = sleep(5_000).then(() => 'timeout' as const);
  if ((await Promise.race([gone, timer])) === 'timeout') {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await gone;
  }
}

// ---------------------------------------------------------------------------------------------
// nginx: the anchor

function nginxConfig(dir: string, port: number, backendPort: number, name: string): string {
  // As root, the workers drop to nobody (as a packaged nginx's would to www-data); nothing they
  // touch is on disk (no access log; 25-byte answers never spill to the temp paths).
  const user = process.getuid?.() === 0 ? 'user nobody nogroup;' : '';
  return `# harpoon proxy bench: nginx as a reverse proxy in front of one container.
${user}
daemon off;
master_process on;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app {
    server 127.0.0.1:${backendPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location /docker/${name}/ {
      proxy_pass http://app/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`;
}

/** nginx in the foreground (its own process group), in a temp prefix; resolves once it proxies. */
async function startNginx(
  ctx: BenchContext,
  nginx: string,
  backendPort: number,
  name: string,
): Promise<{ url: string; pid: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'harpoon-bench-nginx-'));
  ctx.onCleanup(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o755); // the workers (nobody) may need the temp paths below it
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, nginxConfig(dir, port, backendPort, name));
  // -e: the error log before the config is read (else the compiled-in default, stderr here).
  const child = spawn(nginx, ['-p', `${dir}/`, '-c', conf, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  ctx.onCleanup(() => terminate(child));
  const errorLog = async () =>
    `${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`.trim().slice(-2000);
  const exited = exitOf(child, 'nginx', () => '');
  const url = `http://127.0.0.1:${port}/docker/${name}/`;
  try {
    await waitForApp('nginx', url, exited);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await errorLog()}`);
  }
  progress(`proxy: nginx (pid ${child.pid}, ${nginx}) listens on 127.0.0.1:${port}, config ${conf}`);
  return { url, pid: child.pid! };
}

// ---------------------------------------------------------------------------------------------
// harpoon's proxy: a child process (this file, run as a script), so that it has an event loop
// and a CPU of its own to compete for, as nginx's workers do, instead of sharing the bench's.

async function startHarpoonProxy(ctx: BenchContext, name: string): Promise<{ url: string; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', THIS_FILE, CHILD_ARG], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // a terminal's Ctrl-C reaches the bench, which stops after the round; not this
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  ctx.onCleanup(async () => {
    child.stdin!.end(); // the child closes its server and exits when its stdin ends
    await terminate(child);
  });
  const exited = exitOf(child, 'the harpoon proxy child', () => (stderr ? `:\n${stderr.trim().slice(-2000)}` : ''));
  const first = new Promise<string>((done) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const newline = out.indexOf('\n');
      if (newline >= 0) done(out.slice(0, newline));
    });
  });
  const timeout = sleep(START_TIMEOUT_MS).then(() => {
    throw new Error(
      `the harpoon proxy child printed no address within ${START_TIMEOUT_MS / 1000} s:\n${stderr.slice(-2000)}`,
    );
  });
  const line = await Promise.race([first, exited, timeout]);
  const { url: base, port } = JSON.parse(line) as { url: string; port: number };
  const url = `${base.replace(/\/+$/, '')}/docker/${name}/`;
  await waitForApp('harpoon', url, exited);
  progress(`proxy: harpoon's proxy (child pid ${child.pid}) listens on port ${port}`);
  return { url, pid: child.pid! };
}

/** The child: connect, start the proxy, print its address, serve until stdin ends. */
async function serveHarpoonProxy(): Promise<void> {
  const startProxyServer = startProxyServerExport();
  if (!startProxyServer) throw new Error('harpoon exports no startProxyServer (src/proxy) yet');
  const client = await Harpoon.connect({ host: LOCAL_HOST });
  const server = await startProxyServer(client, { port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    const hard = setTimeout(() => process.exit(0), 3_000);
    hard.unref();
    server.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', shutdown).on('close', shutdown).resume();
  process.once('SIGTERM', shutdown).once('SIGINT', shutdown);
}

// ---------------------------------------------------------------------------------------------
// wrk

interface WrkResult {
  requests: number;
  rps: number;
  /** Latency percentiles, ms. */
  p50: number;
  p99: number;
  /** Non-2xx/3xx answers (wrk counts status > 399). */
  badStatus: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
}

const LATENCY_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function latencyMs(output: string, percentile: number): number {
  const m = output.match(new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm'));
  if (!m) throw new Error(`wrk printed no ${percentile}% latency:\n${output}`);
  return Number(m[1]) * LATENCY_UNITS[m[2]!]!;
}

export function parseWrk(output: string): WrkResult {
  const requests = output.match(/^\s*(\d+) requests in /m);
  const rps = output.match(/^Requests\/sec:\s+([\d.]+)/m);
  if (!requests || !rps) throw new Error(`cannot read wrk's output:\n${output}`);
  const socket = output.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const bad = output.match(/Non-2xx or 3xx responses: (\d+)/);
  return {
    requests: Number(requests[1]),
    rps: Number(rps[1]),
    p50: latencyMs(output, 50),
    p99: latencyMs(output, 99),
    badStatus: bad ? Number(bad[1]) : 0,
    socketErrors: socket
      ? { connect: Number(socket[1]), read: Number(socket[2]), write: Number(socket[3]), timeout: Number(socket[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
}

function runWrk(wrk: string, url: string, seconds: number, s: Settings): Promise<WrkResult> {
  const args = ['-t', String(s.threads), '-c', String(s.connections), '-d', `${seconds}s`, '--latency', url];
  return new Promise((done, fail) => {
    execFile(wrk, args, { timeout: (seconds + 30) * 1000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`wrk ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      try {
        done(parseWrk(stdout));
      } catch (parseErr) {
        fail(parseErr);
      }
    });
  });
}

function socketErrorCount(r: WrkResult): number {
  const e = r.socketErrors;
  return e.connect + e.read + e.write + e.timeout;
}

/** Throw when the run was not clean enough to count (see the thresholds above). */
function checkClean(name: string, r: WrkResult): void {
  if (r.requests === 0) throw new Error(`${name}: wrk completed no requests`);
  if (r.badStatus > r.requests * MAX_BAD_STATUS_FRACTION) {
    throw new Error(
      `${name}: ${r.badStatus} of ${r.requests} responses were not 2xx/3xx (limit ${MAX_BAD_STATUS_FRACTION * 100}%)`,
    );
  }
  const errors = socketErrorCount(r);
  if (errors > r.requests * MAX_SOCKET_ERROR_FRACTION) {
    const e = r.socketErrors;
    throw new Error(
      `${name}: ${errors} socket errors in ${r.requests} requests (connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}; limit ${MAX_SOCKET_ERROR_FRACTION * 100}%)`,
    );
  }
}

export function formatLatency(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)}us`;
  if (ms < 10) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${ms.toFixed(1)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

function describe(r: WrkResult): string {
  const errors = socketErrorCount(r);
  const extra = [
    r.badStatus && `non-2xx/3xx ${r.badStatus}`,
    errors && `socket errors ${errors} (timeouts ${r.socketErrors.timeout})`,
  ].filter(Boolean);
  return `${r.rps.toFixed(0)}req/s p50=${formatLatency(r.p50)} p99=${formatLatency(r.p99)}${extra.length ? ` [${extra.join(', ')}]` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The bench

interface Target {
  name: 'direct' | 'nginx' | 'harpoon';
  url: string;
  /** The proxy's processes (nginx: master and workers), for CPU per request. */
  pids?: () => number[];
}

/** User + system CPU of these processes so far, in microseconds (from /proc; clock ticks of 10 ms). */
function cpuMicros(pids: number[]): number {
  const TICK_US = 10_000; // CLK_TCK is 100 on Linux
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return ticks * TICK_US;
}

/** A process and its children (nginx's workers). */
function withChildren(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  return [pid, ...children];
}

export const proxyBench: Bench = {
  name: 'proxy',
  lines: ['proxy-rps', 'proxy-p50', 'proxy-p99', 'proxy-share', 'proxy-cpu'],
  async run(ctx, wanted) {
    const { client, labels } = ctx;
    const s = settings();
    const tools = await ensureTools();
    const startProxyServer = startProxyServerExport();

    await privateStateDir(ctx); // activity records stay out of the user's state directory

    const image = `harpoon-bench-proxy-webapp:${ctx.runId}`;
    progress(`proxy: building ${image}`);
    await buildWebapp(client, { tag: image, labels });
    ctx.onCleanup(() => client.removeImage(image, { force: true }).catch(() => {}));

    const launcher = new Launcher(client, { labels, reap: false });
    const name = `harpoon-bench-proxy-${ctx.runId}`;
    ctx.onCleanup(() => launcher.remove(name).catch(() => {}));
    const app = await launcher.launch({ image, name });
    progress(`proxy: ${name} serves ${app.url} (host port ${app.hostPort})`);

    const targets: Target[] = [{ name: 'direct', url: `${app.url.replace(/\/+$/, '')}/` }];
    await checkApp('direct', targets[0]!.url);
    const nginxStarted = await startNginx(ctx, tools.nginx, app.hostPort, name);
    targets.push({ name: 'nginx', url: nginxStarted.url, pids: () => withChildren(nginxStarted.pid) });
    if (startProxyServer) {
      const harpoonStarted = await startHarpoonProxy(ctx, name);
      targets.push({ name: 'harpoon', url: harpoonStarted.url, pids: () => [harpoonStarted.pid] });
    } else
      progress(
        'proxy: harpoon exports no startProxyServer yet (src/proxy); measuring direct and nginx only, then failing',
      );

    progress(
      `proxy: wrk -t${s.threads} -c${s.connections} --latency; ${s.warmupSeconds ? `${s.warmupSeconds} s warm-up each, then ` : ''}${s.rounds} round(s) of ${s.seconds} s each`,
    );
    for (const t of targets) progress(`proxy: ${t.name} ${t.url}`);

    /** One clean wrk run (a 200 with the app's page first, then wrk, then the error check). */
    const cpuPerRequest = new Map<Target['name'], number[]>();
    async function measure(t: Target, seconds: number, record = false): Promise<WrkResult> {
      if (stop.signal.aborted) throw new StoppedError();
      await checkApp(t.name, t.url);
      const pids = t.pids?.() ?? [];
      const before = cpuMicros(pids);
      const r = await runWrk(tools.wrk, t.url, seconds, s);
      const used = cpuMicros(pids) - before;
      checkClean(t.name, r);
      if (record && pids.length && r.rps > 0)
        (cpuPerRequest.get(t.name) ?? cpuPerRequest.set(t.name, []).get(t.name)!).push(used / (r.rps * seconds));
      return r;
    }

    if (s.warmupSeconds > 0) {
      const parts: string[] = [];
      for (const t of targets) parts.push(`${t.name}=${describe(await measure(t, s.warmupSeconds))}`);
      progress(`proxy warm-up: ${parts.join('  ')}`);
    }

    // Rounds: every contestant once per round; the order rotates from round to round.
    const results = new Map<Target['name'], WrkResult[]>(targets.map((t) => [t.name, []]));
    const shares = new Map<Target['name'], number[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < s.rounds; round++) {
      const order = targets.map((_, k) => targets[(k + round) % targets.length]!);
      const inRound = new Map<Target['name'], WrkResult>();
      for (const t of order) inRound.set(t.name, await measure(t, s.seconds, true));
      const direct = inRound.get('direct')!;
      for (const [n, r] of inRound) {
        results.get(n)!.push(r);
        shares.get(n)!.push(r.rps / direct.rps);
      }
      const parts = order.map(
        (t) =>
          `${t.name}=${describe(inRound.get(t.name)!)}${t.name === 'direct' ? '' : ` (${(inRound.get(t.name)!.rps / direct.rps).toFixed(2)}x)`}`,
      );
      progress(`proxy round ${round + 1}/${s.rounds}: ${parts.join('  ')}`);
    }

    const summary = new Map<Target['name'], { rps: number; p50: number; p99: number; share: number }>();
    for (const t of targets) {
      const runs = results.get(t.name)!;
      const rps = runs.map((r) => r.rps).sort((a, b) => a - b);
      const m = {
        rps: median(rps),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        share: median(shares.get(t.name)!),
      };
      summary.set(t.name, m);
      progress(
        `proxy ${t.name}: median ${m.rps.toFixed(0)}req/s (min ${rps[0]!.toFixed(0)} max ${rps.at(-1)!.toFixed(0)}) p50=${formatLatency(m.p50)} p99=${formatLatency(m.p99)}` +
          (t.name === 'direct' ? '' : ` share of direct=${m.share.toFixed(2)}`) +
          ` n=${runs.length}`,
      );
    }

    const harpoon = summary.get('harpoon');
    if (!harpoon)
      throw new Error(
        "harpoon's proxy is not there yet (harpoon exports no startProxyServer): measured direct and nginx only, no comparison lines",
      );
    const nginx = summary.get('nginx')!;
    // ratio = harpoon / anchor throughout: for rps and share, higher is better; for latencies, lower.
    if (wanted.has('proxy-rps'))
      report(
        'proxy-rps',
        { value: harpoon.rps, text: `${harpoon.rps.toFixed(0)}req/s` },
        { value: nginx.rps, text: `${nginx.rps.toFixed(0)}req/s` },
      );
    if (wanted.has('proxy-p50'))
      report(
        'proxy-p50',
        { value: harpoon.p50, text: formatLatency(harpoon.p50) },
        { value: nginx.p50, text: formatLatency(nginx.p50) },
      );
    if (wanted.has('proxy-p99'))
      report(
        'proxy-p99',
        { value: harpoon.p99, text: formatLatency(harpoon.p99) },
        { value: nginx.p99, text: formatLatency(nginx.p99) },
      );
    if (wanted.has('proxy-share'))
      report(
        'proxy-share',
        { value: harpoon.share, text: harpoon.share.toFixed(2) },
        { value: nginx.share, text: nginx.share.toFixed(2) },
      );
    // The proxy's own CPU (user + system, all its processes) per request: lower is better.
    const cpu = (n: Target['name']) => median(cpuPerRequest.get(n) ?? [0]);
    if (wanted.has('proxy-cpu'))
      report(
        'proxy-cpu',
        { value: cpu('harpoon'), text: `${cpu('harpoon').toFixed(0)}us` },
        { value: cpu('nginx'), text: `${cpu('nginx').toFixed(0)}us` },
      );
  },
};

// Run as a script: the harpoon contestant's child process.
if (
  process.argv[1] &&
  pathToFileURL(resolve(process.argv[1])).href === import.meta.url &&
  process.argv[2] === CHILD_ARG
) {
  serveHarpoonProxy().catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  });
}
