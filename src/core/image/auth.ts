// Registry credentials, found where the docker CLI keeps them, plus harpoon's environment:
//   1. HARPOON_REGISTRY_USER + HARPOON_REGISTRY_PASSWORD (for every registry, or only for
//      HARPOON_REGISTRY_HOST when that is set): an explicit setting wins over files;
//   2. the docker config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json):
//      credHelpers[host], else credsStore (both by running `docker-credential-<name> get`),
//      then auths[host] (`auth` is base64 "user:password"; identitytoken also understood).
// A RegistryCredentials never shows its secret: not in toString, JSON or util.inspect, and
// every error message names only the registry, the user and where the credentials came from.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { dockerConfigDir } from '../docker-config-dir.ts';
import { CredentialsError } from './errors.ts';
import { DOCKER_HUB, DOCKER_HUB_AUTH_KEY, normalizeRegistry } from './reference.ts';

export const MASK = '****';

/** The fields of registry credentials: registry, user, password or identity token, and their source. */
export interface CredentialFields {
  username?: string | undefined;
  password?: string | undefined;
  /** An OAuth identity token (what `docker login` stores for some registries) instead of a password. */
  identityToken?: string | undefined;
  /** The registry these are for, as a host ("127.0.0.1:5000", "docker.io"). */
  registry: string;
  /** Where they came from, for messages: "HARPOON_REGISTRY_USER", "/root/.docker/config.json", ... */
  source?: string;
}

/** Credentials for one registry that never show their secret (not in strings, JSON or inspect). */
export class RegistryCredentials {
  readonly username: string | undefined;
  readonly registry: string;
  readonly source: string;
  readonly #password: string | undefined;
  readonly #identityToken: string | undefined;

  constructor(fields: CredentialFields) {
    this.username = fields.username;
    this.registry = normalizeRegistry(fields.registry);
    this.source = fields.source ?? 'the caller';
    this.#password = fields.password;
    this.#identityToken = fields.identityToken;
  }

  /** The `X-Registry-Auth` header value: URL-safe base64 of the JSON, padding kept. */
  header(): string {
    const serveraddress = this.registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : this.registry;
    const body = this.#identityToken
      ? { identitytoken: this.#identityToken, serveraddress }
      : { username: this.username ?? '', password: this.#password ?? '', serveraddress };
    return encodeRegistryAuth(body);
  }

  /** `text` with this secret (and the encodings it travels in) replaced by "****". */
  redact(text: string): string {
    let out = text;
    const secrets = [this.#password, this.#identityToken, this.header()];
    if (this.#password !== undefined)
      secrets.push(Buffer.from(`${this.username ?? ''}:${this.#password}`).toString('base64'));
    for (const secret of secrets) if (secret && secret.length >= 3) out = out.split(secret).join(MASK);
    return out;
  }

  /** The registry, the user and the source, never the secret. */
  toString(): string {
    return `credentials for ${this.registry}${this.username ? ` (user ${this.username})` : ''} from ${this.source}`;
  }

  /** The credentials as JSON, the password masked. */
  toJSON(): object {
    return { registry: this.registry, username: this.username, source: this.source, password: MASK };
  }

  /** What util.inspect shows: everything but the secret. */
  [inspect.custom](): string {
    return `RegistryCredentials { registry: '${this.registry}', username: ${this.username === undefined ? 'undefined' : `'${this.username}'`}, source: '${this.source}', password: '${MASK}' }`;
  }
}

/** The engine's `X-Registry-Auth` encoding. Engines up to 24 reject unpadded base64 (silently: no credentials). */
export function encodeRegistryAuth(auth: object): string {
  return Buffer.from(JSON.stringify(auth), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** What a credential helper answered. */
export interface HelperAnswer {
  Username?: string;
  Secret?: string;
}

/** Where registryCredentials() looks: the environment, the docker config directory, a helper runner. */
export interface CredentialLookup {
  /** Environment to read DOCKER_CONFIG, HOME, PATH and HARPOON_REGISTRY_* from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The docker config directory (default $DOCKER_CONFIG, else ~/.docker). */
  configDir?: string;
  /** Runs `docker-credential-<helper> get`; undefined when it has nothing for that server. For tests. */
  runHelper?: (helper: string, serverUrl: string, env: NodeJS.ProcessEnv) => Promise<HelperAnswer | undefined>;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

// One definition for auth, endpoints and docks; re-exported where callers already import it.
export { dockerConfigDir };

/** The `source` of credentials taken from HARPOON_REGISTRY_USER and HARPOON_REGISTRY_PASSWORD. */
export const ENV_CREDENTIALS_SOURCE = 'HARPOON_REGISTRY_USER/HARPOON_REGISTRY_PASSWORD';

/**
 * Step 1 alone: HARPOON_REGISTRY_USER + HARPOON_REGISTRY_PASSWORD, if set (and HARPOON_REGISTRY_HOST,
 * if set, names this registry). Reads nothing else and runs nothing (--print-command uses it).
 */
export function environmentCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): RegistryCredentials | undefined {
  const host = normalizeRegistry(registry);
  const user = env.HARPOON_REGISTRY_USER;
  const password = env.HARPOON_REGISTRY_PASSWORD;
  const scope = env.HARPOON_REGISTRY_HOST;
  if (!user || password === undefined || (scope && normalizeRegistry(scope) !== host)) return undefined;
  return new RegistryCredentials({ registry: host, username: user, password, source: ENV_CREDENTIALS_SOURCE });
}

/** Credentials for `registry` (a host, or any alias of Docker Hub), or undefined if none are configured. */
export async function registryCredentials(
  registry: string,
  lookup: CredentialLookup = {},
): Promise<RegistryCredentials | undefined> {
  const env = lookup.env ?? process.env;
  const host = normalizeRegistry(registry);

  const fromEnv = environmentCredentials(host, env);
  if (fromEnv) return fromEnv;

  const configFile = join(lookup.configDir ?? dockerConfigDir(env), 'config.json');
  const config = await readDockerConfig(configFile, host);
  if (!config) return undefined;

  const serverUrl = host === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : host;
  const helper = findHelper(config.credHelpers, host) ?? config.credsStore;
  if (helper) {
    const run = lookup.runHelper ?? runCredentialHelper;
    const answer = await run(helper, serverUrl, env).catch((err: unknown) => {
      throw err instanceof CredentialsError
        ? err
        : new CredentialsError(host, `docker-credential-${helper} failed: ${(err as Error).message}`, { cause: err });
    });
    if (answer?.Secret) {
      const source = `docker-credential-${helper} (${configFile})`;
      return answer.Username === '<token>'
        ? new RegistryCredentials({ registry: host, identityToken: answer.Secret, source })
        : new RegistryCredentials({ registry: host, username: answer.Username, password: answer.Secret, source });
    }
  }

  const entry = findAuth(config.auths, host);
  if (!entry) return undefined;
  if (entry.identitytoken)
    return new RegistryCredentials({
      registry: host,
      username: entry.username,
      identityToken: entry.identitytoken,
      source: configFile,
    });
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CredentialsError(host, `auths entry in ${configFile} is not base64 "user:password"`);
    return new RegistryCredentials({
      registry: host,
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      source: configFile,
    });
  }
  if (entry.username && entry.password !== undefined) {
    return new RegistryCredentials({
      registry: host,
      username: entry.username,
      password: entry.password,
      source: configFile,
    });
  }
  return undefined;
}

async function readDockerConfig(file: string, host: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialsError(
      host,
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as DockerConfig) : {};
  } catch {
    // Not the parser's message: it quotes the text around the error, which may be a secret.
    throw new CredentialsError(host, `${file} is not valid JSON`);
  }
}

/** The key of `map` that names `host` (keys may carry a scheme or path, or be a Hub alias). */
function findKey(map: Record<string, unknown> | undefined, host: string): string | undefined {
  if (!map) return undefined;
  if (host in map) return host;
  return Object.keys(map).find((key) => normalizeRegistry(key) === host);
}

function findHelper(helpers: Record<string, string> | undefined, host: string): string | undefined {
  const key = findKey(helpers, host);
  return key === undefined ? undefined : helpers![key];
}

function findAuth(auths: DockerConfig['auths'], host: string) {
  const key = findKey(auths, host);
  return key === undefined ? undefined : auths![key];
}

const HELPER_TIMEOUT_MS = 30_000;

/** `docker-credential-<helper> get`, the server URL on stdin, JSON on stdout (the docker-credential-helpers protocol). */
export function runCredentialHelper(
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HelperAnswer | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: HELPER_TIMEOUT_MS });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => {});
    child.once('error', (error: NodeJS.ErrnoException) => {
      const registry = normalizeRegistry(serverUrl);
      reject(
        error.code === 'ENOENT'
          ? new CredentialsError(
              registry,
              `the docker config names the credential helper "${helper}", but ${program} is not on PATH`,
            )
          : new CredentialsError(registry, `${program} could not be run: ${error.code ?? error.message}`, {
              cause: error,
            }),
      );
    });
    child.once('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8').trim();
      if (code === 0) {
        try {
          resolve(JSON.parse(stdout) as HelperAnswer);
        } catch {
          reject(new CredentialsError(normalizeRegistry(serverUrl), `${program} get did not answer with JSON`));
        }
        return;
      }
      // The helpers' protocol: "credentials not found in native keychain" means nothing stored.
      if (/credentials not found/i.test(stdout)) return resolve(undefined);
      const why = (Buffer.concat(err).toString('utf8').trim() || stdout).split('\n')[0]!.slice(0, 200);
      reject(
        new CredentialsError(
          normalizeRegistry(serverUrl),
          `${program} get failed (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`,
        ),
      );
    });
    child.stdin.end(serverUrl);
  });
}
