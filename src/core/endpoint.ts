// Endpoint resolution, in the docker CLI's order:
//   explicit option > DOCKER_HOST > DOCKER_CONTEXT > currentContext in config.json > default socket.
// Pure: the environment and file reads are injected so every case is unit-testable.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { dockerConfigDir } from './docker-config-dir.ts';
import { InvalidInputError } from './errors.ts';

/** The engine's socket when nothing else says where it is. */
export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** TLS certificates for a tcp:// engine, and whether to verify the engine's. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Verify the engine's certificate against `ca` (DOCKER_TLS_VERIFY). */
  verify: boolean;
}

/** Where an engine is (unix socket, tcp with optional TLS, or ssh), and what chose it (`source`). */
export type Endpoint =
  | { kind: 'unix'; url: string; socketPath: string; source: string }
  | { kind: 'tcp'; url: string; host: string; port: number; tls?: TlsMaterial; source: string }
  | { kind: 'ssh'; url: string; host: string; port: number; username?: string; source: string };

/** An explicit engine: a host URL or a docker context name, which win over the environment. */
export interface EndpointOptions {
  /** An engine URL (unix://, tcp://, ssh://): wins over everything. */
  host?: string;
  /** A docker context name: wins over the environment. */
  context?: string;
  /** TLS material for an explicit tcp host. */
  tls?: TlsMaterial;
}

/** What endpoint resolution reads: the environment, the home directory, and files. */
export interface ResolveEnv {
  env: Record<string, string | undefined>;
  home: string;
  /** Read a file, or undefined when it cannot be read. */
  readFile: (path: string) => Buffer | undefined;
}

/** The process's own environment, home directory and files, for resolveEndpoint. */
export function systemResolveEnv(): ResolveEnv {
  return {
    env: process.env,
    home: homedir(),
    readFile: (path) => {
      try {
        return readFileSync(path);
      } catch {
        return undefined;
      }
    },
  };
}

/** The real home and files, with these variables in place of the process's environment. */
export function systemResolveEnvFor(env: Record<string, string | undefined>): ResolveEnv {
  return { ...systemResolveEnv(), env };
}

/** Find the engine as the docker CLI does: options, DOCKER_HOST, DOCKER_CONTEXT, config.json, the default socket. */
export function resolveEndpoint(options: EndpointOptions = {}, sys: ResolveEnv = systemResolveEnv()): Endpoint {
  const { env } = sys;
  const configDir = dockerConfigDir(env, sys.home);

  if (options.host) return parseHost(options.host, 'the host option', options.tls ?? null, sys);
  if (options.context) return fromContext(options.context, 'the context option', configDir, sys);
  if (env.DOCKER_HOST) return parseHost(env.DOCKER_HOST, 'DOCKER_HOST', 'from-env', sys);
  if (env.DOCKER_CONTEXT) return fromContext(env.DOCKER_CONTEXT, 'DOCKER_CONTEXT', configDir, sys);

  const configPath = join(configDir, 'config.json');
  const config = sys.readFile(configPath);
  if (config) {
    let current: unknown;
    try {
      current = (JSON.parse(config.toString('utf8')) as { currentContext?: unknown }).currentContext;
    } catch (err) {
      throw new InvalidInputError(configPath, `is not valid JSON (${(err as Error).message}); fix or remove it`);
    }
    if (typeof current === 'string' && current !== '' && current !== 'default') {
      return fromContext(current, `currentContext in ${configPath}`, configDir, sys);
    }
  }
  return { kind: 'unix', url: `unix://${DEFAULT_SOCKET}`, socketPath: DEFAULT_SOCKET, source: 'the default socket' };
}

/** Where the docker CLI keeps a context's metadata and TLS files. */
export function contextPaths(configDir: string, name: string): { meta: string; tlsDir: string } {
  const id = createHash('sha256').update(name).digest('hex');
  return {
    meta: join(configDir, 'contexts', 'meta', id, 'meta.json'),
    tlsDir: join(configDir, 'contexts', 'tls', id, 'docker'),
  };
}

function fromContext(name: string, via: string, configDir: string, sys: ResolveEnv): Endpoint {
  const source = `docker context "${name}" (from ${via})`;
  if (name === 'default') {
    // The default context means "DOCKER_HOST or the default socket".
    const host = sys.env.DOCKER_HOST;
    return host
      ? parseHost(host, `DOCKER_HOST via ${source}`, 'from-env', sys)
      : { kind: 'unix', url: `unix://${DEFAULT_SOCKET}`, socketPath: DEFAULT_SOCKET, source };
  }
  const paths = contextPaths(configDir, name);
  const raw = sys.readFile(paths.meta);
  if (!raw)
    throw new InvalidInputError(
      via,
      `docker context "${name}" does not exist (no ${paths.meta}); list contexts with \`docker context ls\``,
    );
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new InvalidInputError(paths.meta, `is not valid JSON (${(err as Error).message})`);
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) throw new InvalidInputError(paths.meta, `context "${name}" has no Endpoints.docker.Host`);
  const ca = sys.readFile(join(paths.tlsDir, 'ca.pem'));
  const cert = sys.readFile(join(paths.tlsDir, 'cert.pem'));
  const key = sys.readFile(join(paths.tlsDir, 'key.pem'));
  const tls = ca || cert || key ? { ca, cert, key, verify: !docker.SkipTLSVerify } : null;
  return parseHost(docker.Host, source, tls, sys);
}

/** `tls`: material to use, null for none, 'from-env' to apply DOCKER_TLS_VERIFY / DOCKER_CERT_PATH. */
function parseHost(raw: string, source: string, tls: TlsMaterial | null | 'from-env', sys: ResolveEnv): Endpoint {
  const value = raw.includes('://') ? raw : `tcp://${raw}`;
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length) || DEFAULT_SOCKET;
    return { kind: 'unix', url: `unix://${socketPath}`, socketPath, source };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(
      source,
      `"${raw}" is not an engine URL; use unix:///path, tcp://host:port or ssh://user@host`,
    );
  }
  if (url.protocol === 'ssh:') {
    return {
      kind: 'ssh',
      url: value,
      host: url.hostname,
      port: url.port ? Number(url.port) : 22,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      source,
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(
      source,
      `unsupported scheme "${url.protocol}" in "${raw}"; use unix://, tcp:// or ssh://`,
    );
  }
  // TLS as the docker CLI decides it: any non-empty DOCKER_TLS_VERIFY verifies, DOCKER_TLS
  // enables TLS without verification; certificates from DOCKER_CERT_PATH, else ~/.docker.
  let material = tls === 'from-env' ? null : tls;
  if (!material && tls !== 'from-env' && url.protocol === 'https:') material = { verify: true };
  if (tls === 'from-env' && (sys.env.DOCKER_TLS_VERIFY || sys.env.DOCKER_TLS || url.protocol === 'https:')) {
    const dir = sys.env.DOCKER_CERT_PATH || dockerConfigDir(sys.env, sys.home);
    material = {
      ca: sys.readFile(join(dir, 'ca.pem')),
      cert: sys.readFile(join(dir, 'cert.pem')),
      key: sys.readFile(join(dir, 'key.pem')),
      verify: Boolean(sys.env.DOCKER_TLS_VERIFY),
    };
  }
  const port = url.port ? Number(url.port) : material ? 2376 : 2375;
  return {
    kind: 'tcp',
    url: `tcp://${url.hostname}:${port}`,
    host: url.hostname,
    port,
    ...(material ? { tls: material } : {}),
    source,
  };
}

/** One line for people: where, how, and why this endpoint. */
export function describeEndpoint(endpoint: Endpoint): string {
  const how =
    endpoint.kind === 'tcp'
      ? endpoint.tls
        ? ` over TLS${endpoint.tls.verify ? ' (verified)' : ' (not verified)'}`
        : ' (plain HTTP)'
      : endpoint.kind === 'ssh'
        ? ' (via `docker system dial-stdio` over ssh)'
        : '';
  return `${endpoint.url}${how}, chosen from ${endpoint.source}`;
}
