// A connection to one engine: the endpoint, the negotiated API version, dockerode for the
// ordinary calls and the raw transport for streaming ones. Everything else builds on this.
import type Docker from 'dockerode';
import type http from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex, Readable } from 'node:stream';
import { describeEndpoint, resolveEndpoint, type Endpoint, type EndpointOptions, type ResolveEnv } from './endpoint.ts';
import { toHarpoonError, type ErrorContext } from './engine-errors.ts';
import { AbortedError, EngineUnreachableError } from './errors.ts';
import { engineMessage, rawRequest, rawStreamRequest, rawUpgrade, readBody, type RawRequest } from './transport.ts';

// dockerode is loaded on first use: importing it costs ~0.2 s (its BuildKit session pulls in
// gRPC), which a command that only pings, or reads info over the raw transport, need not pay.
const require = createRequire(import.meta.url);

/** The newest Engine API version this library speaks. */
export const CLIENT_API_VERSION = '1.47';

/** How to connect: an explicit host or context, an API version cap, an abort signal. */
export interface ConnectOptions extends EndpointOptions {
  /** Cap the API version (default CLIENT_API_VERSION); the lower of this and the engine's is used. */
  apiVersion?: string;
  signal?: AbortSignal;
  /** For tests: resolve the endpoint against this environment instead of the process's. */
  resolveEnv?: ResolveEnv;
}

export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/** One connection to an engine: its endpoint, the negotiated API version, and dockerode on both. */
export class Engine {
  readonly endpoint: Endpoint;
  readonly apiVersion: string;
  #docker: Docker | undefined;

  private constructor(endpoint: Endpoint, apiVersion: string) {
    this.endpoint = endpoint;
    this.apiVersion = apiVersion;
  }

  /** dockerode, pinned to the negotiated version: the low-level escape hatch (made on first use). */
  get docker(): Docker {
    if (!this.#docker) {
      const Dockerode = require('dockerode') as typeof Docker;
      this.#docker = new Dockerode({
        ...modemOptions(this.endpoint),
        version: `v${this.apiVersion}`,
      } as Docker.DockerOptions);
    }
    return this.#docker;
  }

  /** GET a JSON document over the raw transport (no dockerode): info, version. */
  async json<T>(path: string, ctx: Omit<ErrorContext, 'endpoint'> = {}): Promise<T> {
    const res = await this.request({ method: 'GET', path }, ctx);
    try {
      return JSON.parse(await readBody(res)) as T;
    } catch (err) {
      throw this.error(err, ctx);
    }
  }

  /** Resolve the endpoint, ping once, and settle on an API version. */
  static async connect(options: ConnectOptions = {}): Promise<Engine> {
    const endpoint = resolveEndpoint(options, options.resolveEnv);
    let res: http.IncomingMessage;
    try {
      res = await rawRequest(endpoint, {
        method: 'GET',
        path: '/_ping',
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) throw new AbortedError('Connecting to the engine', options.signal.reason);
      throw new EngineUnreachableError(endpoint, err);
    }
    const body = await readBody(res);
    if (res.statusCode !== 200)
      throw new EngineUnreachableError(
        endpoint,
        new Error(`/_ping answered HTTP ${res.statusCode}: ${engineMessage(body)}`),
      );
    const engineVersion = String(res.headers['api-version'] ?? '1.24');
    const ours = options.apiVersion ?? CLIENT_API_VERSION;
    return new Engine(endpoint, compareVersions(engineVersion, ours) < 0 ? engineVersion : ours);
  }

  /** The endpoint, why it was chosen, and the API version, in one line. */
  describe(): string {
    return `${describeEndpoint(this.endpoint)}; API ${this.apiVersion}`;
  }

  /** A raw versioned request; resolves when the headers arrive. Non-2xx becomes a typed error. */
  request(req: RawRequest, ctx: Omit<ErrorContext, 'endpoint'> = {}): Promise<http.IncomingMessage> {
    return this.#checked(rawRequest(this.endpoint, { ...req, version: this.apiVersion }), ctx);
  }

  /** A streaming request body (a build context, an image tarball). */
  streamRequest(
    req: Omit<RawRequest, 'body'>,
    body: Readable,
    ctx: Omit<ErrorContext, 'endpoint'> = {},
  ): Promise<http.IncomingMessage> {
    return this.#checked(rawStreamRequest(this.endpoint, { ...req, version: this.apiVersion }, body), ctx);
  }

  async #checked(
    pending: Promise<http.IncomingMessage>,
    ctx: Omit<ErrorContext, 'endpoint'>,
  ): Promise<http.IncomingMessage> {
    let res: http.IncomingMessage;
    try {
      res = await pending;
    } catch (err) {
      throw this.error(err, ctx);
    }
    if ((res.statusCode ?? 500) >= 400) {
      const message = engineMessage(await readBody(res).catch(() => ''));
      throw this.error(Object.assign(new Error(message), { statusCode: res.statusCode, json: { message } }), ctx);
    }
    return res;
  }

  /** A hijacked connection, for attach and exec. */
  async upgrade(req: RawRequest, ctx: Omit<ErrorContext, 'endpoint'> = {}): Promise<Duplex> {
    try {
      return await rawUpgrade(this.endpoint, { ...req, version: this.apiVersion });
    } catch (err) {
      throw this.error(err, ctx);
    }
  }

  /** Map anything thrown by dockerode or the wire to a typed error. */
  error(err: unknown, ctx: Omit<ErrorContext, 'endpoint'> = {}): Error {
    return toHarpoonError(err, { ...ctx, endpoint: this.endpoint });
  }

  /** Run a dockerode call, mapping its failures to typed errors. */
  async call<T>(fn: (docker: Docker) => Promise<T>, ctx: Omit<ErrorContext, 'endpoint'> = {}): Promise<T> {
    try {
      return await fn(this.docker);
    } catch (err) {
      throw this.error(err, ctx);
    }
  }
}

function modemOptions(endpoint: Endpoint): Record<string, unknown> {
  switch (endpoint.kind) {
    case 'unix':
      return { socketPath: endpoint.socketPath };
    case 'ssh':
      return {
        protocol: 'ssh',
        host: endpoint.host,
        port: endpoint.port,
        username: endpoint.username,
        sshOptions: { agent: process.env.SSH_AUTH_SOCK },
      };
    case 'tcp':
      return endpoint.tls
        ? {
            protocol: 'https',
            host: endpoint.host,
            port: endpoint.port,
            ca: endpoint.tls.ca,
            cert: endpoint.tls.cert,
            key: endpoint.tls.key,
          }
        : { protocol: 'http', host: endpoint.host, port: endpoint.port };
  }
}
