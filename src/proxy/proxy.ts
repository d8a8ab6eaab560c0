// The proxy: route a request to a launched container (routing.ts), check it can answer
// (routes.ts, answers.ts), and pass it on (forward.ts, tunnel.ts), streaming both ways through
// a keep-alive pool, with framing the proxy decides (framing.ts), header hygiene (headers.ts),
// activity tracking and an access event.
// Mount `handle` and `handleUpgrade` on any Node HTTP server, or use startProxyServer.
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import type { Harpoon } from '../core/client.ts';
import { InvalidInputError } from '../core/errors.ts';
import type { Labels } from '../core/labels.ts';
import { FileActivityStore, type ActivityStore, type Visit } from '../launcher/activity.ts';
import { checkAdminOptions, serveAdmin, type AdminOptions } from './admin.ts';
import { followLogLines } from '../core/wait.ts';
import { availability, notReadyAnswer, rejectUpgrade, sendAnswer, type Answer, type PageTemplates } from './answers.ts';
import { decide, type AuthDecision, type Authorize } from './auth.ts';
import type { BodyFraming } from './framing.ts';
import { forward, parseUpstream, UPSTREAM_TIMEOUT } from './forward.ts';
import { checkFraming, isWebSocketUpgrade } from './framing.ts';
import { clientHost, clientProto, rewriteLocation, upstreamHeaders } from './headers.ts';
import { RouteTable, type Route } from './routes.ts';
import { normalizeHostSuffix, normalizePrefix, route, type RouteMatch, type RoutingRules } from './routing.ts';
import { socketResponse, tunnel, upgradeRequestBody } from './tunnel.ts';

/** How HarpoonProxy routes, guards and answers (all optional). */
export interface ProxyOptions {
  /** Path routing under this prefix (default '/docker'); false turns it off. */
  pathPrefix?: string | false;
  /** Send `/<rest>` upstream rather than the whole path (default true). */
  stripPrefix?: boolean;
  /** Host routing: `<name><hostSuffix>`, e.g. '.docker.localhost'. Off unless given. */
  hostSuffix?: string;
  /** Serve only launched containers that also carry these labels. */
  labels?: Labels;
  /** Keep the client's X-Forwarded-* (appending to them): only behind your own front proxy. */
  trustProxy?: boolean;
  /** Give up on a silent upstream after this long (ms, default 60 000): 504, or a cut response. */
  timeoutMs?: number;
  /** A container started less than this long ago (ms, default 120 000) that refuses connections is "starting". */
  startingGraceMs?: number;
  /** Retry-After for starting containers (seconds, default 2). */
  retryAfterSeconds?: number;
  /** Where request activity is recorded for the launcher's purge of inactive containers; false: nowhere. */
  activity?: ActivityStore | false;
  /** The admin endpoint (route table as JSON); off unless given. */
  admin?: AdminOptions;
  /** Host to reach published ports on, instead of the one the engine endpoint implies. */
  urlHost?: string;
  /** Most concurrent connections per container (default 256); more requests wait. */
  maxSocketsPerContainer?: number;
  /** Close a WebSocket when neither side sent anything for this long (ms, default 600 000); 0: never. */
  tunnelIdleTimeoutMs?: number;
  /** Pass request headers whose names contain `_` (dropped by default, as nginx does). */
  underscoresInHeaders?: boolean;
  /**
   * Asked before any request reaches a container (see auth.ts: forwardAuth, requireHeaders);
   * several must all allow. Denied requests never reach the container and record no activity.
   */
  authorize?: Authorize | Authorize[];
  /**
   * Serve each container's recent log at `<prefix>/<name>/<logsPath>` (e.g. 'docker-logs'),
   * behind the same authorization; off unless given. Query: tail=N|all (default 200),
   * follow=1, timestamps=1, format=json (or Accept: application/json) for JSON lines.
   */
  logsPath?: string;
  /** HTML pages for the proxy's own answers by status, with {{name}}, {{reason}}, {{retryAfter}}... */
  pages?: PageTemplates;
  /** The please-wait page (the 503 template); short for `pages: { 503: ... }`. */
  waitPage?: string;
  /** Also route containers carrying all these labels, though not launched (`docker run -l harpoon.route=true`). */
  routeLabels?: Labels;
  /** Route every container that publishes a port (a trusted, single-user machine only). */
  unmanaged?: boolean;
}

/** One request the proxy handled, as emitted on `access` (one per request or WebSocket). */
export interface AccessEvent {
  time: Date;
  remote: string;
  method: string;
  /** The path as the client sent it. */
  url: string;
  status: number;
  /** Response body bytes sent to the client (for WebSockets: all bytes sent). */
  bytes: number;
  durationMs: number;
  container?: string;
  via?: 'path' | 'host';
  websocket?: boolean;
  /** Why the proxy answered itself or cut the response. */
  error?: string;
  /** Who the authorization hook said the client is. */
  user?: string;
}

interface Exchange {
  match: RouteMatch;
  route: Route;
  upstream: string;
  started: number;
  bytes: number;
  /** Set when the proxy answered itself after the upstream failed. */
  error?: string;
  user?: string;
}

const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH']);

/** The reverse proxy to launched containers: mount `handle` and `handleUpgrade` on any Node HTTP server. */
export class HarpoonProxy extends EventEmitter<{ access: [AccessEvent] }> {
  readonly routes: RouteTable;
  readonly #rules: RoutingRules;
  readonly #options: ProxyOptions & {
    timeoutMs: number;
    startingGraceMs: number;
    retryAfterSeconds: number;
    tunnelIdleTimeoutMs: number;
  };
  readonly #activity: ActivityStore | undefined;
  readonly #agent: http.Agent;
  readonly #client: Harpoon;
  readonly #hooks: Authorize[];
  readonly #pages: PageTemplates | undefined;
  readonly #logsPath: string | undefined;

  constructor(client: Harpoon, options: ProxyOptions = {}) {
    super();
    const field = (name: string, fn: () => string) => {
      try {
        return fn();
      } catch (err) {
        throw new InvalidInputError(name, (err as Error).message);
      }
    };
    this.#rules = {
      pathPrefix:
        options.pathPrefix === false
          ? undefined
          : field('pathPrefix', () => normalizePrefix((options.pathPrefix as string | undefined) ?? '/docker')),
      stripPrefix: options.stripPrefix ?? true,
      hostSuffix:
        options.hostSuffix === undefined
          ? undefined
          : field('hostSuffix', () => normalizeHostSuffix(options.hostSuffix!)),
    };
    if (!this.#rules.pathPrefix && !this.#rules.hostSuffix)
      throw new InvalidInputError(
        'pathPrefix',
        'path routing is off and no hostSuffix is given: nothing could be routed',
      );
    for (const key of ['timeoutMs', 'startingGraceMs', 'retryAfterSeconds', 'maxSocketsPerContainer'] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isFinite(value) && value > 0))
        throw new InvalidInputError(key, `${value} is not a positive number`);
    }
    const idle = options.tunnelIdleTimeoutMs;
    if (idle !== undefined && !(Number.isFinite(idle) && idle >= 0))
      throw new InvalidInputError(
        'tunnelIdleTimeoutMs',
        `${idle} is not a number of milliseconds (0 turns the timeout off)`,
      );
    if (options.admin) field('admin.token', () => (checkAdminOptions(options.admin!), ''));
    this.#options = {
      timeoutMs: 60_000,
      startingGraceMs: 120_000,
      retryAfterSeconds: 2,
      tunnelIdleTimeoutMs: 600_000,
      ...options,
    };
    this.#activity = options.activity === false ? undefined : (options.activity ?? new FileActivityStore());
    this.#client = client;
    this.#hooks =
      options.authorize === undefined ? [] : Array.isArray(options.authorize) ? options.authorize : [options.authorize];
    if (this.#hooks.some((hook) => typeof hook !== 'function'))
      throw new InvalidInputError('authorize', 'give a function (req, route) => decision, or an array of them');
    const pages = { ...options.pages, ...(options.waitPage !== undefined ? { 503: options.waitPage } : {}) };
    this.#pages = Object.keys(pages).length ? pages : undefined;
    if (options.logsPath !== undefined) {
      const path = `/${options.logsPath.replace(/^\/+|\/+$/g, '')}`;
      if (path === '/' || !/^\/[A-Za-z0-9._~/-]+$/.test(path))
        throw new InvalidInputError(
          'logsPath',
          `"${options.logsPath}" is not a path segment for the logs endpoint (e.g. "docker-logs")`,
        );
      this.#logsPath = path;
    }
    this.routes = new RouteTable(client, {
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.urlHost ? { urlHost: options.urlHost } : {}),
      ...(options.routeLabels ? { routeLabels: options.routeLabels } : {}),
      ...(options.unmanaged ? { unmanaged: true } : {}),
    });
    // Keep-alive to upstreams: without an agent every request would open a new connection.
    this.#agent = new http.Agent({
      keepAlive: true,
      maxSockets: options.maxSocketsPerContainer ?? 256,
      maxFreeSockets: 64,
      scheduling: 'lifo',
    });
  }

  /** Load the route table and follow the engine's events. Call before serving. */
  async start(): Promise<void> {
    await this.routes.start();
  }

  /**
   * The request handler (`(req, res, next)`, so Express and connect can mount it). Requests
   * it does not route go to `next` if given, else get a 404.
   */
  readonly handle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    this.#handle(req, res, next, undefined).catch((err) => {
      sendAnswer(
        req,
        res,
        { status: 500, error: 'proxy_error', message: `The proxy failed: ${(err as Error).message}` },
        this.#pages,
      );
      this.#log(req, res.statusCode, Date.now(), { error: (err as Error).message });
    });
  };

  async #handle(
    req: IncomingMessage,
    res: ServerResponse,
    next: ((err?: unknown) => void) | undefined,
    body: Readable | undefined,
  ): Promise<void> {
    const started = Date.now();
    const framing = checkFraming(req);
    if (!framing.ok)
      return this.#answer(req, res, started, undefined, {
        status: framing.status,
        error: 'bad_request',
        message: `Refused: ${framing.reason}.`,
      });
    const routing = route(this.#rules, req.headers.host, req.url ?? '/');
    if (routing.kind === 'none') {
      // The admin path is the proxy's own only where no container is routed (never on an app's host).
      const adminBytes = this.#options.admin
        ? await serveAdmin(req, res, this.#options.admin, {
            routes: () => this.routes.list(),
            history: (name) => this.history(name),
          })
        : undefined;
      if (adminBytes !== undefined) {
        return this.#log(req, res.statusCode, started, {
          bytes: adminBytes,
          ...(res.statusCode === 200 ? {} : { error: res.statusCode === 401 ? 'unauthorized' : 'method_not_allowed' }),
        });
      }
      if (next) return next();
      return this.#answer(req, res, started, undefined, { status: 404, error: 'not_found', message: this.#usage(req) });
    }
    if (routing.kind === 'invalid')
      return this.#answer(req, res, started, undefined, { status: 400, error: 'bad_request', message: routing.reason });
    if (routing.kind === 'redirect') {
      res.writeHead(308, { location: routing.location, 'content-length': 0 });
      res.end();
      return this.#log(req, 308, started, {});
    }
    const { match } = routing;
    const found = await this.routes.lookup(match.name);
    if (!found || availability(found).kind === 'gone')
      return this.#answer(
        req,
        res,
        started,
        match,
        notReadyAnswer(match.name, { kind: 'gone' }, this.#options.retryAfterSeconds),
      );
    const decision = await this.#authorize(req, found);
    if (decision.action !== 'allow') return this.#answer(req, res, started, match, denialAnswer(decision, match.name));
    const user = decision.user;
    if (this.#logsPath && (req.url ?? '/').slice(match.publicPrefix.length).split('?')[0] === this.#logsPath) {
      return this.#serveLogs(req, res, started, match, found, user);
    }
    const target = await this.#target(match.name);
    if ('answer' in target) return this.#answer(req, res, started, match, target.answer, user);
    this.#forward(
      req,
      res,
      { match, ...target, started, bytes: 0, ...(user !== undefined ? { user } : {}) },
      framing.framing,
      body,
    );
  }

  /** The hooks' decision; a hook that throws denies (500): fail closed. */
  async #authorize(req: IncomingMessage, route: Route): Promise<AuthDecision> {
    if (!this.#hooks.length) return { action: 'allow' };
    try {
      return await decide(this.#hooks, req, route);
    } catch (err) {
      return { action: 'deny', status: 500, message: `The authorization hook failed: ${(err as Error).message}.` };
    }
  }

  /** The container's recent log as text or JSON lines, following it if asked, until the client goes. */
  async #serveLogs(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    match: RouteMatch,
    route: Route,
    user: string | undefined,
  ): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return this.#answer(
        req,
        res,
        started,
        match,
        {
          status: 405,
          error: 'method_not_allowed',
          container: match.name,
          message: 'The logs endpoint is read-only: use GET.',
          headers: { allow: 'GET, HEAD' },
        },
        user,
      );
    }
    const query = new URL(req.url ?? '/', 'http://proxy.invalid').searchParams;
    const tailText = query.get('tail') ?? '200';
    if (tailText !== 'all' && !/^\d{1,7}$/.test(tailText)) {
      return this.#answer(
        req,
        res,
        started,
        match,
        {
          status: 400,
          error: 'bad_request',
          container: match.name,
          message: `tail=${tailText}: give a number of lines or "all".`,
        },
        user,
      );
    }
    const json =
      query.get('format') === 'json' ||
      (query.get('format') === null && /\bapplication\/json\b/.test(String(req.headers.accept ?? '')));
    const follow = query.get('follow') === '1' || query.get('follow') === 'true';
    res.writeHead(200, {
      'content-type': json ? 'application/x-ndjson; charset=utf-8' : 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    let bytes = 0;
    res.once('close', () =>
      this.#log(req, 200, started, {
        match,
        bytes,
        ...(user !== undefined ? { user } : {}),
        ...(res.writableFinished ? {} : { error: 'client left while following the log' }),
      }),
    );
    if (req.method === 'HEAD') return void res.end();
    // Following with nothing to show yet: the client should see the 200 now, not at the first line.
    res.flushHeaders();
    const stop = new AbortController();
    res.once('close', () => stop.abort());
    try {
      await followLogLines(
        this.#client.engine,
        { id: route.id, name: route.name },
        (line, stream) => {
          const text = json ? `${JSON.stringify({ stream, line })}\n` : `${line}\n`;
          bytes += Buffer.byteLength(text);
          res.write(text);
          return false;
        },
        {
          signal: stop.signal,
          tty: route.tty,
          follow,
          tail: tailText === 'all' ? 'all' : Number(tailText),
          timestamps: query.get('timestamps') === '1',
        },
      );
    } catch (err) {
      if (!stop.signal.aborted)
        res.write(
          json
            ? `${JSON.stringify({ error: (err as Error).message })}\n`
            : `\n[harpoon proxy: the log could not be read: ${(err as Error).message}]\n`,
        );
    }
    res.end();
  }

  /** The route and upstream for a name, or the answer to give when it cannot serve. */
  async #target(name: string): Promise<{ route: Route; upstream: string } | { answer: Answer }> {
    const route = await this.routes.lookup(name);
    const state = availability(route);
    if (state.kind !== 'ready') return { answer: notReadyAnswer(name, state, this.#options.retryAfterSeconds) };

    return { route: route!, upstream: state.upstream };
  }

  #usage(req: IncomingMessage): string {
    const port = /:(\d+)$/.exec(req.headers.host ?? '')?.[1];
    const ways = [
      this.#rules.pathPrefix ? `${this.#rules.pathPrefix}/<container>/` : '',
      this.#rules.hostSuffix ? `http://<container>${this.#rules.hostSuffix}${port ? `:${port}` : ''}/` : '',
    ].filter(Boolean);
    return `Nothing is served here. Containers are reached at ${ways.join(' or ')}.`;
  }

  /** One visit for the container's history (requests that reached it, not the denied or answered here). */
  #visit(
    route: Route,
    req: IncomingMessage,
    started: number,
    status: number,
    user: string | undefined,
    websocket = false,
  ): void {
    this.#activity?.recordVisit?.(route.id, {
      time: new Date(started).toISOString(),
      method: req.method ?? '',
      path: req.url ?? '',
      status,
      remote: (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
      ...(user !== undefined ? { user } : {}),
      ...(websocket ? { websocket: true } : {}),
    });
  }

  /** A container's newest visits, oldest first (undefined: no such route, or a store without history). */
  async history(name: string, limit?: number): Promise<Visit[] | undefined> {
    const route = await this.routes.lookup(name);
    if (!route || !this.#activity?.history) return undefined;
    return this.#activity.history(route.id, limit);
  }

  #touch(route: Route): void {
    route.lastActivity = new Date();
    route.requests++;
    this.#activity?.touch(route.id).catch(() => {});
  }

  #forward(
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    framing: BodyFraming,
    body: Readable | undefined,
  ): void {
    this.#touch(exchange.route);
    res.once('close', () => {
      const error =
        exchange.error ?? (res.writableFinished ? undefined : 'connection closed before the response was complete');
      this.#log(req, res.statusCode, exchange.started, {
        match: exchange.match,
        bytes: exchange.bytes,
        ...(error ? { error } : {}),
        ...(exchange.user !== undefined ? { user: exchange.user } : {}),
      });
      this.#visit(exchange.route, req, exchange.started, res.statusCode, exchange.user);
    });
    const trustProxy = Boolean(this.#options.trustProxy);
    const headers = upstreamHeaders(req, {
      trustProxy,
      publicPrefix: exchange.match.publicPrefix,
      framing,
      underscoresInHeaders: Boolean(this.#options.underscoresInHeaders),
    });
    if (exchange.user !== undefined) headers['x-forwarded-user'] = exchange.user;
    forward(req, res, {
      upstream: parseUpstream(exchange.upstream),
      path: exchange.match.upstreamPath,
      headers,
      agent: this.#agent,
      timeoutMs: this.#options.timeoutMs,
      ...(body ? { body } : {}),
      responseHeaders: (headers) => {
        const location = headers.location;
        if (!location) return;
        headers.location = rewriteLocation(location, {
          publicPrefix: exchange.match.publicPrefix,
          stripped: this.#rules.stripPrefix,
          publicOrigin: `${clientProto(req, trustProxy)}://${clientHost(req, trustProxy)}`,
          upstreamOrigin: exchange.upstream,
        });
      },
      onBytes: (n) => {
        exchange.bytes += n;
      },
      onError: (err) => void this.#onUpstreamError(err, req, res, exchange),
    });
  }

  async #onUpstreamError(
    err: NodeJS.ErrnoException,
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
  ): Promise<void> {
    if (res.headersSent || res.destroyed || req.socket.destroyed) {
      res.destroy();
      return;
    }
    const answer = await this.#failureAnswer(err, exchange.route, exchange.match.name, exchange.started);
    if (res.headersSent || res.destroyed) return;
    res.setHeader('x-harpoon-proxy-error', err.code ?? 'error');
    exchange.error = answer.error;
    exchange.bytes = sendAnswer(req, res, answer, this.#pages);
  }

  /** Why the upstream could not be reached, as an answer: timeout, not running, still starting, or refused. */
  async #failureAnswer(err: NodeJS.ErrnoException, route: Route, name: string, started: number): Promise<Answer> {
    if (err.code === UPSTREAM_TIMEOUT) {
      return {
        status: 504,
        error: 'timeout',
        container: name,
        message: `"${name}" did not answer within ${this.#options.timeoutMs / 1000} s.`,
      };
    }
    if (!CONNECTION_FAILURES.has(err.code ?? '') && !/socket hang up/.test(err.message)) {
      return {
        status: 502,
        error: 'bad_gateway',
        container: name,
        message: `Could not pass the request to "${name}": ${err.message}.`,
      };
    }
    // The connection failed: has the container stopped, or is the app not listening yet?
    await this.routes.refresh(route.id).catch(() => {});
    const target = await this.#target(name);
    if ('answer' in target) return target.answer;
    if (Date.now() - target.route.startedAt.getTime() < this.#options.startingGraceMs) {
      return notReadyAnswer(
        name,
        { kind: 'starting', reason: 'the app is not accepting connections yet' },
        this.#options.retryAfterSeconds,
      );
    }
    return {
      status: 502,
      error: 'bad_gateway',
      container: name,
      message: `"${name}" is running but refused the connection (${err.code ?? err.message}).`,
    };
  }

  #answer(
    req: IncomingMessage,
    res: ServerResponse,
    started: number,
    match: RouteMatch | undefined,
    answer: Answer,
    user?: string,
  ): void {
    const bytes = sendAnswer(req, res, answer, this.#pages);
    this.#log(req, answer.status, started, {
      ...(match ? { match } : {}),
      bytes,
      error: answer.error,
      ...(user !== undefined ? { user } : {}),
    });
  }

  #log(
    req: IncomingMessage,
    status: number,
    started: number,
    extra: { match?: RouteMatch; bytes?: number; error?: string; websocket?: boolean; user?: string },
  ): void {
    if (this.listenerCount('access') === 0) return;
    this.emit('access', {
      time: new Date(started),
      remote: req.socket.remoteAddress ?? '',
      method: req.method ?? '',
      url: req.url ?? '',
      status,
      bytes: extra.bytes ?? 0,
      durationMs: Date.now() - started,
      ...(extra.match ? { container: extra.match.name, via: extra.match.via } : {}),
      ...(extra.websocket ? { websocket: true } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      ...(extra.user !== undefined ? { user: extra.user } : {}),
    });
  }

  /**
   * The `upgrade` handler: true if the proxy took the socket (answered or proxied it). A
   * WebSocket handshake is tunnelled; any other upgrade (h2c) is served as a plain request,
   * as if the client had not offered to switch.
   */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    if (!isWebSocketUpgrade(req)) {
      socket.on('error', () => socket.destroy());
      const body = upgradeRequestBody(req, socket, head);
      if (!body) {
        rejectUpgrade(req, socket, {
          status: 400,
          error: 'bad_request',
          message: 'A chunked request body cannot come with an Upgrade header; send it with Content-Length.',
        });
        return true;
      }
      const res = socketResponse(req, socket);
      this.#handle(req, res, undefined, body).catch((err) => {
        sendAnswer(req, res, {
          status: 500,
          error: 'proxy_error',
          message: `The proxy failed: ${(err as Error).message}`,
        });
      });
      return true;
    }
    const routing = route(this.#rules, req.headers.host, req.url ?? '/');
    if (routing.kind === 'none') return false;
    void this.#upgrade(req, socket, head, routing).catch((err) =>
      rejectUpgrade(req, socket, { status: 500, error: 'proxy_error', message: (err as Error).message }),
    );
    return true;
  };

  async #upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    routing: Exclude<ReturnType<typeof route>, { kind: 'none' }>,
  ): Promise<void> {
    const started = Date.now();
    socket.on('error', () => socket.destroy());
    if (routing.kind !== 'route') {
      const answer: Answer =
        routing.kind === 'invalid'
          ? { status: 400, error: 'bad_request', message: routing.reason }
          : { status: 404, error: 'not_found', message: `Connect to ${routing.location}` };
      rejectUpgrade(req, socket, answer);
      return this.#log(req, answer.status, started, { websocket: true, error: answer.error });
    }
    const { match } = routing;
    const framing = checkFraming(req);
    if (!framing.ok || framing.framing.kind !== 'none') {
      const answer: Answer = {
        status: 400,
        error: 'bad_request',
        message: `Refused: ${framing.ok ? 'a WebSocket handshake has no body' : framing.reason}.`,
      };
      rejectUpgrade(req, socket, answer);
      return this.#log(req, answer.status, started, { match, websocket: true, error: answer.error });
    }
    const found = await this.routes.lookup(match.name);
    const decision: AuthDecision = found ? await this.#authorize(req, found) : { action: 'allow' };
    if (decision.action !== 'allow') {
      const answer = denialAnswer(decision, match.name);
      rejectUpgrade(req, socket, answer, this.#pages);
      return this.#log(req, answer.status, started, { match, websocket: true, error: answer.error });
    }
    const user = decision.user;
    const target = await this.#target(match.name);
    if ('answer' in target) {
      rejectUpgrade(req, socket, target.answer, this.#pages);
      return this.#log(req, target.answer.status, started, { match, websocket: true, error: target.answer.error });
    }
    const { route, upstream } = target;
    this.#touch(route);
    // WebSocket traffic is activity too (the store throttles the writes).
    socket.on('data', () => this.#activity?.touch(route.id).catch(() => {}));
    let status = 101;
    socket.once('close', () => {
      this.#log(req, status, started, {
        match,
        websocket: true,
        bytes: (socket as Socket).bytesWritten ?? 0,
        ...(user !== undefined ? { user } : {}),
      });
      this.#visit(route, req, started, status, user, true);
    });
    const headers = upstreamHeaders(
      req,
      {
        trustProxy: Boolean(this.#options.trustProxy),
        publicPrefix: match.publicPrefix,
        underscoresInHeaders: Boolean(this.#options.underscoresInHeaders),
      },
      true,
    );
    if (user !== undefined) headers['x-forwarded-user'] = user;
    tunnel(req, socket, head, {
      upstream: parseUpstream(upstream),
      path: match.upstreamPath,
      headers,
      timeoutMs: this.#options.timeoutMs,
      idleTimeoutMs: this.#options.tunnelIdleTimeoutMs,
      onRefused: (code) => {
        status = code;
      },
      onError: (err) =>
        void this.#failureAnswer(err, route, match.name, started).then((answer) => {
          status = answer.status;
          rejectUpgrade(req, socket, answer, this.#pages);
        }),
    });
  }

  /** Connections held open to containers (in use and idle): for tests and monitoring. */
  upstreamSockets(): { active: number; idle: number } {
    const count = (pool: NodeJS.ReadOnlyDict<unknown[]>) =>
      Object.values(pool).reduce((n, list) => n + (list?.length ?? 0), 0);
    return { active: count(this.#agent.sockets), idle: count(this.#agent.freeSockets) };
  }

  /** Stop following events and close idle upstream connections. */
  async close(): Promise<void> {
    this.routes.close();
    await (this.#activity as { flush?: () => Promise<void> } | undefined)?.flush?.();
    this.#agent.destroy();
  }
}

/** What the client gets when a hook does not allow: its status (403 by default) and body, or a redirect. */
function denialAnswer(decision: Exclude<AuthDecision, { action: 'allow' }>, name: string): Answer {
  if (decision.action === 'redirect')
    return {
      status: 302,
      error: 'redirect',
      container: name,
      message: `Sign in first: ${decision.location}`,
      headers: { location: decision.location },
    };
  const status = decision.status ?? 403;
  const error = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'authorization_error';
  return {
    status,
    error,
    container: name,
    message: decision.message ?? `You may not reach "${name}".`,
    ...(decision.headers ? { headers: decision.headers } : {}),
    ...(decision.body
      ? { body: { type: decision.contentType ?? 'text/plain; charset=utf-8', data: decision.body } }
      : {}),
  };
}
