// The raw wire under dockerode: requests that need what docker-modem does not give —
// response headers as soon as they arrive (ping's Api-Version, wait registration) and
// hijacked (upgraded) connections for attach with no request body (dockerode #777).
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex, Readable } from 'node:stream';
import type { Endpoint, TlsMaterial } from './endpoint.ts';

const require = createRequire(import.meta.url);

export interface RawRequest {
  method: string;
  /** Path with query, without the version prefix. */
  path: string;
  /** API version to prefix the path with, e.g. "1.41". */
  version?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

// One keep-alive agent per endpoint: a ping or wait should not pay for a new connection.
const agents = new Map<string, http.Agent>();

function agentFor(endpoint: Endpoint): http.Agent {
  if (endpoint.kind === 'ssh') {
    // docker-modem's ssh agent runs `docker system dial-stdio` on the remote host.
    const sshAgent = require('docker-modem/lib/ssh.js') as (opts: object) => http.Agent;
    return sshAgent({
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      agent: process.env.SSH_AUTH_SOCK,
    });
  }
  const key = endpoint.url;
  let agent = agents.get(key);
  if (!agent) {
    agent =
      endpoint.kind === 'tcp' && endpoint.tls
        ? new https.Agent({ keepAlive: true, ...tlsOptions(endpoint.tls) })
        : new http.Agent({ keepAlive: true });
    agents.set(key, agent);
  }
  return agent;
}

function tlsOptions(tls: TlsMaterial): https.AgentOptions {
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    rejectUnauthorized: tls.verify,
  };
}

function requestOptions(endpoint: Endpoint, req: RawRequest, agent: http.Agent): http.RequestOptions {
  const path = req.version ? `/v${req.version}${req.path}` : req.path;
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
  const base: http.RequestOptions = { method: req.method, path, headers, agent };
  if (req.signal) base.signal = req.signal;
  if (endpoint.kind === 'unix') return { ...base, socketPath: endpoint.socketPath };
  if (endpoint.kind === 'tcp') return { ...base, host: endpoint.host, port: endpoint.port };
  return { ...base, host: endpoint.host };
}

function send(endpoint: Endpoint, options: http.RequestOptions): http.ClientRequest {
  return (endpoint.kind === 'tcp' && endpoint.tls ? https : http).request(options);
}

/** Resolves as soon as the response headers arrive; the body is the caller's to read. */
export function rawRequest(endpoint: Endpoint, req: RawRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = send(endpoint, requestOptions(endpoint, req, agentFor(endpoint)));
    request.once('response', resolve);
    request.once('error', reject);
    request.end(req.body);
  });
}

/** Like rawRequest, with a streamed body; the body is destroyed if the request fails. */
export function rawStreamRequest(
  endpoint: Endpoint,
  req: Omit<RawRequest, 'body'>,
  body: Readable,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = send(
      endpoint,
      requestOptions(
        endpoint,
        { ...req, headers: { 'Transfer-Encoding': 'chunked', ...req.headers } },
        agentFor(endpoint),
      ),
    );
    request.once('response', (res) => {
      // The engine may answer (an early 4xx) before it has read the whole body.
      res.once('end', () => body.destroy());
      resolve(res);
    });
    request.once('error', (err) => {
      body.destroy();
      reject(err);
    });
    body.once('error', (err) => request.destroy(err));
    body.pipe(request);
  });
}

export async function readBodyBuffer(res: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readBody(res: NodeJS.ReadableStream): Promise<string> {
  return (await readBodyBuffer(res)).toString('utf8');
}

/**
 * A hijacked connection (HTTP upgrade to a raw stream), as `docker attach` and `exec start` use.
 * No request body is sent unless given: on attach, a body would land in the container's stdin.
 */
export function rawUpgrade(endpoint: Endpoint, req: RawRequest): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    // Hijacked sockets never go back to a pool: use a fresh agent-less connection.
    const agent = endpoint.kind === 'ssh' ? agentFor(endpoint) : undefined;
    const options = requestOptions(
      endpoint,
      { ...req, headers: { ...req.headers, Connection: 'Upgrade', Upgrade: 'tcp' } },
      agent as http.Agent,
    );
    if (!agent) options.agent = false;
    if (endpoint.kind === 'tcp' && endpoint.tls) Object.assign(options, tlsOptions(endpoint.tls));
    const request = send(endpoint, options);
    request.once('upgrade', (_res, socket, head) => {
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    request.once('response', async (res) => {
      // Not upgraded: the engine refused (404 no such container, 409 not running, ...).
      const body = await readBody(res).catch(() => '');
      reject(
        Object.assign(new Error(engineMessage(body) || `HTTP ${res.statusCode}`), {
          statusCode: res.statusCode,
          json: safeJson(body),
        }),
      );
    });
    request.once('error', reject);
    request.end(req.body);
  });
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `message` of an engine error body, or the raw text. */
export function engineMessage(body: string): string {
  const json = safeJson(body) as { message?: string } | undefined;
  return (json?.message ?? body).trim();
}
