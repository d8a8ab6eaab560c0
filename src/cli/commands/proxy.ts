// harpoon proxy: an HTTP/WebSocket reverse proxy to launched containers, by path
// (/docker/<name>/) and/or by host (<name>.docker.localhost), until SIGINT/SIGTERM.
// The flags become ProxyServerOptions in one pure function (proxyConfigFromFlags), so they
// can be checked without an engine; the admin token comes from the environment or a file,
// never from argv (which `ps` shows to every user of the machine).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { isProxyWorker, leavePool, reportListening, startWorkerPool, type WorkerPool } from '../../proxy/workers.ts';
import {
  forwardAuth,
  requireHeaders,
  startProxyServer,
  type AccessEvent,
  type Authorize,
  type ProxyServerOptions,
  type RunningProxy,
} from '../../index.ts';
import { DEFAULT_ADMIN_PATH } from '../../proxy/admin.ts';
import { normalizeHostSuffix, normalizePrefix } from '../../proxy/routing.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { UsageError } from '../exit.ts';
import { splitKeyValue } from './key-values.ts';

import { MIN_TOKEN_LENGTH, TOKEN_ENV } from './proxy-help.ts';

export { TOKEN_ENV };

export { PROXY_HELP } from './proxy-help.ts';

export interface ProxyFlags extends GlobalFlags {
  port?: string;
  /** --host (the listen address; `host` itself is the global engine flag). */
  listen?: string;
  prefix?: string;
  /** false with --no-path. */
  path?: boolean;
  /** false with --no-strip-prefix. */
  stripPrefix?: boolean;
  hostSuffix?: string;
  label: string[];
  trustProxy?: boolean;
  timeout?: string;
  admin?: boolean;
  adminTokenFile?: string;
  authUrl?: string;
  authHeader?: string[];
  logsPath?: string;
  waitPage?: string;
  page?: string[];
  routeLabel?: string[];
  unmanaged?: boolean;
  headersTimeout?: string;
  tunnelIdleTimeout?: string;
  workers?: string;
  json?: boolean;
  quiet?: boolean;
}

export type AccessLogFormat = 'human' | 'json' | 'none';

export interface ProxyConfig {
  server: ProxyServerOptions & { port: number; host: string };
  /** Processes serving the port (node:cluster workers when more than one). */
  workers: number;
  log: AccessLogFormat;
  /** Print the listening line as JSON on stdout (else as text on stderr). */
  json: boolean;
}

export interface ProxyConfigContext {
  env?: NodeJS.ProcessEnv;
  /** Reads the --admin-token-file (injectable for tests). */
  readFile?: (path: string) => string;
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8000;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n > 65535)
    throw new UsageError(`--port "${value}" is not a port number (0-65535; 0 picks a free one)`);
  return n;
}

function parseListen(value: string | undefined): string {
  if (value === undefined) return '127.0.0.1';
  const host = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (!host || !(isIP(host) || HOST_NAME.test(host)))
    throw new UsageError(`--host "${value}" is not an address to listen on (e.g. 127.0.0.1, 0.0.0.0, ::1, localhost)`);
  return host;
}

function parseTimeout(value: string | undefined, flag = '--timeout', allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(Number.isFinite(n) && (n > 0 || (allowZero && n === 0))))
    throw new UsageError(`${flag} "${value}" is not a number of seconds ${allowZero ? '(0: never)' : '> 0'}`);
  return n === 0 ? 0 : Math.max(1, Math.round(n * 1000));
}

/** --workers N: 1..64; default one per core (as nginx's `worker_processes auto`). */
function parseWorkers(value: string | undefined): number {
  if (value === undefined) return Math.max(1, Math.min(64, availableParallelism()));
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= 64))
    throw new UsageError(`--workers "${value}" is not a number of processes (1-64)`);
  return n;
}

/** An HTML page file for --wait-page / --page, read once at start. */
function pageFile(path: string, flag: string, readFile: (path: string) => string): string {
  try {
    return readFile(path);
  } catch (err) {
    throw new UsageError(
      `${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** --page STATUS=FILE items as page templates by status. */
function pages(items: string[], readFile: (path: string) => string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const item of items) {
    const [status, file] = splitKeyValue(item, '--page');
    if (!/^[45]\d\d$/.test(status) || file === undefined)
      throw new UsageError(`--page "${item}": give STATUS=FILE with a 4xx or 5xx status, e.g. 404=notfound.html`);
    out[Number(status)] = pageFile(file, `--page ${status}`, readFile);
  }
  return out;
}

/** --auth-url and --auth-header as authorization hooks (all must allow). */
function authHooks(flags: ProxyFlags): Authorize[] {
  const hooks: Authorize[] = [];
  const headers: Record<string, string> = {};
  for (const item of flags.authHeader ?? []) {
    const [name, value] = splitKeyValue(item, '--auth-header');
    if (!/^[A-Za-z0-9!#$%&'*+.^`|~-]+$/.test(name) || value === undefined || value === '')
      throw new UsageError(`--auth-header "${item}": give NAME=VALUE, e.g. X-Front-Secret=...`);
    headers[name] = value;
  }
  if (Object.keys(headers).length) hooks.push(requireHeaders(headers));
  if (flags.authUrl !== undefined) {
    try {
      hooks.push(forwardAuth(flags.authUrl));
    } catch (err) {
      throw new UsageError(`--auth-url: ${(err as Error).message}`);
    }
  }
  return hooks;
}

/**
 * --label K=V, parsed as everywhere (first "=" splits; a bare K takes $K). But where -e drops
 * a bare K that is unset, a scope must not: a dropped label would widen what is served.
 */
function scopeLabels(items: string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    const [key, value] = splitKeyValue(item, '--label');
    const resolved = value ?? env[key];
    if (resolved === undefined)
      throw new UsageError(`--label "${item}": no value, and $${key} is not set; give ${key}=VALUE`);
    labels[key] = resolved;
  }
  return labels;
}

/** The admin token: from --admin-token-file if given, else $HARPOON_PROXY_TOKEN. Never echoed. */
function adminToken(flags: ProxyFlags, env: NodeJS.ProcessEnv, readFile: (path: string) => string): string {
  let token: string;
  let source: string;
  if (flags.adminTokenFile !== undefined) {
    source = `--admin-token-file ${flags.adminTokenFile}`;
    try {
      token = readFile(flags.adminTokenFile);
    } catch (err) {
      throw new UsageError(
        `--admin-token-file: cannot read ${flags.adminTokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    // A file written by `echo` or an editor ends with a newline; that is not part of the token.
    token = token.trim();
    if (!token) throw new UsageError(`--admin-token-file: ${flags.adminTokenFile} is empty`);
    if (/\s/.test(token))
      throw new UsageError(
        `--admin-token-file: ${flags.adminTokenFile} must hold one token (no spaces or line breaks inside it)`,
      );
  } else {
    token = (env[TOKEN_ENV] ?? '').trim();
    source = TOKEN_ENV;
    if (!token) {
      throw new UsageError(
        `--admin needs a token: set ${TOKEN_ENV} or give --admin-token-file FILE (e.g. \`openssl rand -hex 24 > token\`). It is never taken on the command line, where \`ps\` shows it`,
      );
    }
  }
  if (token.length < MIN_TOKEN_LENGTH)
    throw new UsageError(
      `--admin: the token from ${source} has ${token.length} characters; give at least ${MIN_TOKEN_LENGTH} (e.g. \`openssl rand -hex 24\`)`,
    );
  return token;
}

/** The flags as startProxyServer options plus how to log: a pure function (env and file reading injectable). */
export function proxyConfigFromFlags(flags: ProxyFlags, context: ProxyConfigContext = {}): ProxyConfig {
  const env = context.env ?? process.env;
  const readFile = context.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const pathRouting = flags.path !== false;
  if (!pathRouting && flags.prefix !== undefined)
    throw new UsageError('--prefix sets up path routing, which --no-path turns off: give one or the other');
  if (!pathRouting && flags.stripPrefix === false)
    throw new UsageError('--no-strip-prefix is about path routing, which --no-path turns off: give one or the other');
  if (!pathRouting && flags.hostSuffix === undefined)
    throw new UsageError(
      '--no-path leaves nothing to route by: add --host-suffix SUFFIX (e.g. .docker.localhost) for host routing',
    );

  const wrap = <T>(flag: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new UsageError(`${flag}: ${(err as Error).message}`);
    }
  };
  const prefix = pathRouting ? wrap('--prefix', () => normalizePrefix(flags.prefix ?? '/docker')) : undefined;
  const hostSuffix =
    flags.hostSuffix === undefined ? undefined : wrap('--host-suffix', () => normalizeHostSuffix(flags.hostSuffix!));
  const labels = scopeLabels(flags.label, env);
  const timeoutMs = parseTimeout(flags.timeout);

  if (flags.adminTokenFile !== undefined && !flags.admin)
    throw new UsageError('--admin-token-file is the token for --admin: add --admin to turn the admin endpoint on');
  const admin = flags.admin ? { token: adminToken(flags, env, readFile) } : undefined;
  const authorize = authHooks(flags);
  const templates = pages(flags.page ?? [], readFile);
  if (flags.waitPage !== undefined) templates[503] = pageFile(flags.waitPage, '--wait-page', readFile);
  const routeLabels = flags.routeLabel?.length ? scopeLabels(flags.routeLabel, env) : undefined;
  if (routeLabels && flags.unmanaged)
    throw new UsageError(
      '--unmanaged routes every container with a published port already: --route-label adds nothing; give one or the other',
    );
  const headersTimeoutMs = parseTimeout(flags.headersTimeout, '--headers-timeout');
  const tunnelIdleTimeoutMs = parseTimeout(flags.tunnelIdleTimeout, '--tunnel-idle-timeout', true);

  return {
    server: {
      port: parsePort(flags.port),
      host: parseListen(flags.listen),
      pathPrefix: prefix ?? false,
      ...(prefix ? { stripPrefix: flags.stripPrefix !== false } : {}),
      ...(hostSuffix ? { hostSuffix } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(flags.trustProxy ? { trustProxy: true } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(admin ? { admin } : {}),
      ...(authorize.length ? { authorize } : {}),
      ...(flags.logsPath !== undefined ? { logsPath: flags.logsPath } : {}),
      ...(Object.keys(templates).length ? { pages: templates } : {}),
      ...(routeLabels ? { routeLabels } : {}),
      ...(flags.unmanaged ? { unmanaged: true } : {}),
      ...(headersTimeoutMs !== undefined ? { headersTimeoutMs } : {}),
      ...(tunnelIdleTimeoutMs !== undefined ? { tunnelIdleTimeoutMs } : {}),
    },
    workers: parseWorkers(flags.workers),
    log: flags.quiet ? 'none' : flags.json ? 'json' : 'human',
    json: Boolean(flags.json),
  };
}

/** One access-log line, human form: `GET /docker/web-1/ 200 1234B 3ms web-1`. */
export function accessLine(event: AccessEvent): string {
  const parts = [
    event.method,
    event.url,
    String(event.status),
    `${event.bytes}B`,
    `${Math.round(event.durationMs)}ms`,
    event.container ?? '-',
  ];
  if (event.websocket) parts.push('websocket');
  if (event.error) parts.push(`(${event.error})`);
  return parts.join(' ');
}

/** The start-up line: where the proxy listens and how containers are reached. */
export function listeningLine(config: ProxyConfig, url: string, port: number): string {
  const server = config.server;
  const ways: string[] = [];
  if (server.pathPrefix) ways.push(`${server.pathPrefix}/<name>/`);
  if (server.hostSuffix) ways.push(`http://<name>${server.hostSuffix}${port === 80 ? '' : `:${port}`}/`);
  const notes: string[] = [];
  if (server.labels)
    notes.push(
      `only containers labelled ${Object.entries(server.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  if (server.admin) notes.push(`admin at ${DEFAULT_ADMIN_PATH}`);
  if (server.routeLabels)
    notes.push(
      `and containers labelled ${Object.entries(server.routeLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  if (server.authorize) notes.push('authorization on');
  if (server.logsPath) notes.push(`logs at <name>/${server.logsPath.replace(/^\/+/, '')}`);
  if (config.workers > 1) notes.push(`${config.workers} workers`);
  return `harpoon proxy: listening on ${url} — ${ways.join(' and ')}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** Turn errors from listen() into messages naming the flag. */
function listenError(err: unknown, config: ProxyConfig): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const { port, host } = config.server;
  if (code === 'EADDRINUSE')
    return new UsageError(`--port ${port}: the address ${host}:${port} is already in use (--port 0 picks a free port)`);
  if (code === 'EACCES')
    return new UsageError(
      `--port ${port}: not allowed to listen on ${host}:${port} (ports below 1024 need privileges)`,
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new UsageError(`--host ${host}: cannot listen on this address (${code})`);
  return err;
}

export async function proxy(flags: ProxyFlags): Promise<number> {
  const config = proxyConfigFromFlags(flags);
  // Signals from now on: one closes gracefully (exit 0), a second one exits at once.
  let signalled: ((name: NodeJS.Signals) => void) | undefined;
  let received: NodeJS.Signals | undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  const onSignal = (name: NodeJS.Signals) => {
    if (received) {
      process.stderr.write(`harpoon proxy: ${name} again, exiting without waiting\n`);
      process.exit(name === 'SIGINT' ? 130 : 143);
    }
    received = name;
    signalled!(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `harpoon proxy | head` must not crash when the reader goes: stop logging instead.
  let stdoutOpen = true;
  const onStdoutError = () => {
    stdoutOpen = false;
  };
  process.stdout.on('error', onStdoutError);
  const out = (line: string) => {
    if (stdoutOpen) process.stdout.write(`${line}\n`);
  };

  let running: RunningProxy | undefined;
  let pool: WorkerPool | undefined;
  const worker = isProxyWorker();
  try {
    const client = await connect(flags);
    if (received) return 0;
    if (config.workers > 1 && !worker) {
      // The primary: the workers connect, listen and log; it reports where, and supervises.
      try {
        pool = await startWorkerPool(config.workers);
      } catch (err) {
        throw new UsageError(`the proxy workers did not start: ${(err as Error).message}`);
      }
      if (config.json) out(JSON.stringify({ listening: pool.url, port: pool.port, workers: config.workers }));
      else process.stderr.write(`${listeningLine(config, pool.url, pool.port)}\n`);
      if (config.server.unmanaged)
        process.stderr.write(
          'harpoon proxy: --unmanaged: every container that publishes a port is served, whoever started it; use this on a trusted single-user machine only\n',
        );
      await stopped;
      return 0;
    }
    try {
      running = await startProxyServer(client, config.server);
    } catch (err) {
      throw listenError(err, config);
    }
    if (worker) {
      reportListening(running, () => signalled!('SIGTERM'));
      if (config.log !== 'none')
        running.proxy.on('access', (event) => out(config.log === 'json' ? JSON.stringify(event) : accessLine(event)));
      await stopped;
      return 0;
    }
    const { proxy: harpoonProxy } = running;
    if (config.log !== 'none')
      harpoonProxy.on('access', (event) => out(config.log === 'json' ? JSON.stringify(event) : accessLine(event)));
    harpoonProxy.routes.on('unsynced', () =>
      process.stderr.write(
        "harpoon proxy: lost the engine's event stream; reconnecting (meanwhile each request asks the engine)\n",
      ),
    );
    harpoonProxy.routes.on('synced', () =>
      process.stderr.write("harpoon proxy: following the engine's events again\n"),
    );

    if (config.json) out(JSON.stringify({ listening: running.url, port: running.port }));
    else process.stderr.write(`${listeningLine(config, running.url, running.port)}\n`);
    if (config.server.unmanaged) {
      process.stderr.write(
        'harpoon proxy: --unmanaged: every container that publishes a port is served, whoever started it; use this on a trusted single-user machine only\n',
      );
    }
    if (!LOOPBACK.test(config.server.host)) {
      process.stderr.write(
        `harpoon proxy: listening on ${config.server.host}: whoever can reach it can reach every container it serves${config.server.labels ? '' : ' (narrow them with --label)'}\n`,
      );
    }

    await stopped;
    return 0;
  } finally {
    await pool?.stop();
    if (running) {
      // Graceful: requests in flight get a moment to finish, then every connection goes.
      await running.close();
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
    // A worker's channel to the primary would keep it alive.
    if (worker) leavePool();
  }
}
