// Docks are docker contexts: this module reads and writes them exactly where and how the docker
// CLI does, so `docker --context NAME` sees harpoon's docks and harpoon sees the CLI's contexts.
//
//   $DOCKER_CONFIG (default ~/.docker)
//     config.json                                   currentContext (every other key preserved)
//     contexts/meta/<sha256(name)>/meta.json        {"Name","Metadata":{"Description"},"Endpoints":{"docker":{"Host","SkipTLSVerify"}}}
//     contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem   0700 dirs, 0600 files
//
// URL policy (decided here, documented in `harpoon dock add --help`):
//   ssh://[user@]host[:port]   the engine over ssh (`docker system dial-stdio`); no password in the URL
//   tcp://host[:port]          with --tls-dir: TLS, verified against its ca.pem (port defaults to 2376);
//                              without: only to a loopback host (localhost, 127.x, ::1), port 2375,
//                              unless --insecure (plain TCP gives root on that machine to anyone who can reach it)
//   unix:///absolute/path      a local engine (also what the tests use)
import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { dockerConfigDir } from '../../core/docker-config-dir.ts';
import { contextPaths } from '../../core/endpoint.ts';

/** Metadata.Description of the contexts harpoon makes: how `dock rm` tells its own from others. */
export const DOCK_DESCRIPTION = 'harpoon dock';

/** The docker CLI's rule for context names (cli/context/store), and its reserved name. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;
export const DEFAULT_CONTEXT = 'default';

/** A dock problem the user can fix: exit 1, as the docker CLI's `context` commands. */
export class DockError extends Error {
  readonly exitCode = 1;
  /** A usage problem (bad name, URL, flags): the CLI adds a pointer to --help. */
  readonly usage: boolean;
  constructor(message: string, usage = false) {
    super(message);
    this.name = 'DockError';
    this.usage = usage;
  }
}

export interface Dock {
  name: string;
  /** Endpoints.docker.Host ('' when the meta file cannot be read). */
  url: string;
  description: string;
  /** Made by `harpoon dock add` (Metadata.Description is DOCK_DESCRIPTION). */
  byHarpoon: boolean;
  /** TLS files present in the context's tls dir (tcp only). */
  tls: { ca: boolean; cert: boolean; key: boolean } | null;
  skipTLSVerify: boolean;
  paths: { meta: string; tlsDir: string };
  /** Why this context could not be read; the other fields are then best effort. */
  error?: string;
}

export interface AddDockOptions {
  /** A directory holding ca.pem and optionally cert.pem + key.pem (as DOCKER_CERT_PATH). */
  tlsDir?: string;
  /** Allow tcp:// without TLS to a host that is not loopback. */
  insecure?: boolean;
  /** Replace an existing context of that name. */
  force?: boolean;
}

export interface TlsFiles {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

// One definition for auth, endpoints and docks; re-exported for the dock commands.
export { dockerConfigDir };

/** An ssh:// URL with its password (if any) masked, for messages and printed commands. */
export function maskUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:****@');
}

export function validateName(name: string): void {
  if (name === DEFAULT_CONTEXT)
    throw new DockError(
      `"${DEFAULT_CONTEXT}" is a reserved context name (it means DOCKER_HOST or the default socket)`,
      true,
    );
  if (!NAME_PATTERN.test(name)) {
    throw new DockError(
      `dock name "${name}" is invalid: like docker context names it must match ${NAME_PATTERN.source} (letters, digits, _ . + -, at least 2 characters, starting with a letter or digit)`,
      true,
    );
  }
}

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

/** Check a dock URL against the policy above; returns it normalized (tcp gets its port). */
export function validateUrl(raw: string, options: { tls?: boolean; insecure?: boolean } = {}): string {
  const shown = maskUrl(raw);
  const bad = (why: string) => new DockError(`URL "${shown}" ${why}`, true);
  if (raw.startsWith('unix://')) {
    const path = raw.slice('unix://'.length);
    if (!path.startsWith('/')) throw bad('needs an absolute socket path: unix:///path/to/docker.sock');
    if (options.tls) throw bad('is a local socket: --tls-dir only applies to tcp://');
    return raw;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== 'ssh' && scheme !== 'tcp') {
    throw bad(
      scheme
        ? `has scheme "${scheme}://"; a dock is ssh://[user@]host[:port], tcp://host[:port] with --tls-dir, or unix:///path`
        : 'has no scheme; write ssh://[user@]host[:port], tcp://host[:port] (with --tls-dir) or unix:///path',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('is not a valid URL');
  }
  if (!url.hostname) throw bad('has no host');
  if (url.pathname !== '' && url.pathname !== '/')
    throw bad(`has a path ("${url.pathname}"); give only ${scheme}://host[:port]`);
  if (url.search || url.hash) throw bad('has a query or fragment; give only the host and port');
  if (url.password) throw bad('has a password: it would be stored in plain text; use an ssh key or agent instead');
  const port = url.port ? `:${url.port}` : '';
  if (scheme === 'ssh') {
    if (options.tls) throw bad('is ssh://: --tls-dir only applies to tcp:// (ssh brings its own encryption)');
    return `ssh://${url.username ? `${url.username}@` : ''}${url.hostname}${port}`;
  }
  if (url.username) throw bad('has a user name; tcp:// engines authenticate with client certificates (--tls-dir)');
  if (!options.tls && !options.insecure && !LOOPBACK.test(url.hostname)) {
    throw bad(
      'is plain tcp:// to a remote host: anyone who can reach that port controls the engine. ' +
        'Give --tls-dir DIR (ca.pem, cert.pem, key.pem), use ssh://, or pass --insecure if you really mean it',
    );
  }
  return `tcp://${url.hostname}${port || (options.tls ? ':2376' : ':2375')}`;
}

const isPem = (data: Buffer) => data.toString('latin1').includes('-----BEGIN ');

/** ca.pem (required), cert.pem and key.pem (both or neither) from a DOCKER_CERT_PATH-style directory. */
export function readTlsDir(dir: string): TlsFiles {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new DockError(`--tls-dir "${dir}" does not exist`, true);
  }
  if (!isDir)
    throw new DockError(
      `--tls-dir "${dir}" is not a directory (give the directory holding ca.pem, cert.pem and key.pem)`,
      true,
    );
  const read = (file: string): Buffer | undefined => {
    const path = join(dir, file);
    if (!existsSync(path)) return undefined;
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (err) {
      throw new DockError(`cannot read ${path}: ${(err as Error).message}`);
    }
    if (!isPem(data)) throw new DockError(`${path} is not a PEM file (no "-----BEGIN" line)`, true);
    return data;
  };
  const ca = read('ca.pem');
  const cert = read('cert.pem');
  const key = read('key.pem');
  if (!ca)
    throw new DockError(`--tls-dir "${dir}" has no ca.pem: harpoon verifies the engine's certificate against it`, true);
  if (Boolean(cert) !== Boolean(key))
    throw new DockError(
      `--tls-dir "${dir}" has ${cert ? 'cert.pem but no key.pem' : 'key.pem but no cert.pem'}; the client certificate needs both`,
      true,
    );
  // Parse them now, as `docker context create` does, rather than fail on first use.
  const parsed = <T>(file: string, what: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw new DockError(`${join(dir, file)} is not a valid ${what} (${(err as Error).message})`, true);
    }
  };
  parsed('ca.pem', 'certificate', () => new X509Certificate(ca));
  if (cert && key) {
    const certificate = parsed('cert.pem', 'certificate', () => new X509Certificate(cert));
    const privateKey: KeyObject = parsed('key.pem', 'unencrypted private key', () => createPrivateKey(key));
    if (!certificate.checkPrivateKey(privateKey))
      throw new DockError(`${join(dir, 'key.pem')} is not the private key of ${join(dir, 'cert.pem')}`, true);
  }
  return { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

interface MetaFile {
  Name?: unknown;
  Metadata?: { Description?: unknown } | null;
  Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
}

function readDock(configDir: string, metaPath: string, expectedName?: string): Dock {
  const fallbackName = expectedName ?? `?${dirname(metaPath).split('/').pop()!.slice(0, 12)}`;
  let meta: MetaFile;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as MetaFile;
  } catch (err) {
    const paths = expectedName ? contextPaths(configDir, expectedName) : { meta: metaPath, tlsDir: '' };
    return {
      name: fallbackName,
      url: '',
      description: '',
      byHarpoon: false,
      tls: null,
      skipTLSVerify: false,
      paths,
      error: `${metaPath}: ${(err as Error).message}`,
    };
  }
  const name = typeof meta.Name === 'string' ? meta.Name : fallbackName;
  const paths = contextPaths(configDir, name);
  const host = meta.Endpoints?.docker?.Host;
  const description = typeof meta.Metadata?.Description === 'string' ? meta.Metadata.Description : '';
  const has = (file: string) => existsSync(join(paths.tlsDir, file));
  const tls = { ca: has('ca.pem'), cert: has('cert.pem'), key: has('key.pem') };
  return {
    name,
    url: typeof host === 'string' ? host : '',
    description,
    byHarpoon: description === DOCK_DESCRIPTION,
    tls: tls.ca || tls.cert || tls.key ? tls : null,
    skipTLSVerify: meta.Endpoints?.docker?.SkipTLSVerify === true,
    paths,
    ...(typeof host === 'string' && host ? {} : { error: `${metaPath} has no Endpoints.docker.Host` }),
  };
}

/** One context by name, or undefined when there is none. ("default" is never on disk.) */
export function getDock(configDir: string, name: string): Dock | undefined {
  if (name === DEFAULT_CONTEXT) return undefined;
  const paths = contextPaths(configDir, name);
  return existsSync(paths.meta) ? readDock(configDir, paths.meta, name) : undefined;
}

/** Every context in the config dir (the docker CLI's and harpoon's), sorted by name; not "default". */
export function listDocks(configDir: string): Dock[] {
  const metaRoot = join(configDir, 'contexts', 'meta');
  let ids: string[];
  try {
    ids = readdirSync(metaRoot);
  } catch {
    return [];
  }
  return ids
    .filter((id) => existsSync(join(metaRoot, id, 'meta.json')))
    .map((id) => readDock(configDir, join(metaRoot, id, 'meta.json')))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What addDock would write, checked (name, URL, TLS files, an existing context) without writing anything. */
export function checkAddDock(
  configDir: string,
  name: string,
  rawUrl: string,
  options: AddDockOptions = {},
): { url: string; tls?: TlsFiles; replaces?: Dock } {
  validateName(name);
  const url = validateUrl(rawUrl, { tls: Boolean(options.tlsDir), ...(options.insecure ? { insecure: true } : {}) });
  // Read everything before writing anything: a bad --tls-dir leaves no half-made dock.
  const tls = options.tlsDir ? readTlsDir(options.tlsDir) : undefined;
  const existing = getDock(configDir, name);
  if (existing && !options.force)
    throw new DockError(
      `context "${name}" already exists (${existing.url || 'unreadable'}); pass --force to replace it`,
    );
  return { url, ...(tls ? { tls } : {}), ...(existing ? { replaces: existing } : {}) };
}

/** Create a context the docker CLI can use; TLS files are copied in (the key stays 0600). */
export function addDock(configDir: string, name: string, rawUrl: string, options: AddDockOptions = {}): Dock {
  const { url, tls } = checkAddDock(configDir, name, rawUrl, options);
  const paths = contextPaths(configDir, name);
  removeContextFiles(paths);

  const meta = {
    Name: name,
    Metadata: { Description: DOCK_DESCRIPTION },
    Endpoints: { docker: { Host: url, SkipTLSVerify: false } },
  };
  mkdirSync(dirname(paths.meta), { recursive: true, mode: 0o755 });
  if (tls) {
    // contexts/tls and everything under it: 0700 dirs, 0600 files, as the docker CLI makes them.
    mkdirSync(paths.tlsDir, { recursive: true, mode: 0o700 });
    for (const dir of [paths.tlsDir, dirname(paths.tlsDir), dirname(dirname(paths.tlsDir))]) chmodSync(dir, 0o700);
    for (const [file, data] of [
      ['ca.pem', tls.ca],
      ['cert.pem', tls.cert],
      ['key.pem', tls.key],
    ] as const) {
      if (!data) continue;
      const path = join(paths.tlsDir, file);
      writeFileSync(path, data, { mode: 0o600 });
      chmodSync(path, 0o600);
    }
  }
  writeAtomic(paths.meta, JSON.stringify(meta), 0o644);
  return getDock(configDir, name)!;
}

function removeContextFiles(paths: { meta: string; tlsDir: string }): void {
  rmSync(dirname(paths.meta), { recursive: true, force: true });
  rmSync(dirname(paths.tlsDir), { recursive: true, force: true });
}

/** Whether removeDock may remove a context (DockError when not), without removing anything. */
export function checkRemoveDock(
  configDir: string,
  name: string,
  options: { force?: boolean } = {},
): { dock: Dock; wasCurrent: boolean } {
  if (name === DEFAULT_CONTEXT)
    throw new DockError(`"${DEFAULT_CONTEXT}" is the built-in context; it cannot be removed`);
  const dock = getDock(configDir, name);
  if (!dock) throw new DockError(`context "${name}" does not exist`);
  const wasCurrent = currentContext(configDir) === name;
  if (!options.force) {
    if (wasCurrent)
      throw new DockError(
        `context "${name}" is in use (currentContext in ${join(configDir, 'config.json')}); \`harpoon dock use default\` first, or pass --force`,
      );
    if (!dock.byHarpoon)
      throw new DockError(
        `context "${name}" was not made by harpoon (description ${JSON.stringify(dock.description)}); pass --force to remove it anyway`,
      );
  }
  return { dock, wasCurrent };
}

/** Remove a context. Refuses the current one and contexts harpoon did not make, unless `force`. */
export function removeDock(
  configDir: string,
  name: string,
  options: { force?: boolean } = {},
): { wasCurrent: boolean } {
  const { dock, wasCurrent } = checkRemoveDock(configDir, name, options);
  if (wasCurrent) setCurrentContext(configDir, DEFAULT_CONTEXT);
  removeContextFiles(dock.paths);
  return { wasCurrent };
}

/** DockError unless `name` is a context `dock use` can switch to ("default" always is). */
export function checkUseDock(configDir: string, name: string): void {
  if (name !== DEFAULT_CONTEXT && !getDock(configDir, name)) throw new DockError(`context "${name}" does not exist`);
}

/** Make `name` the current context (config.json currentContext); "default" clears it. */
export function useDock(configDir: string, name: string): void {
  checkUseDock(configDir, name);
  setCurrentContext(configDir, name);
}

function configPath(configDir: string): string {
  return join(configDir, 'config.json');
}

function readConfig(configDir: string): Record<string, unknown> | undefined {
  const path = configPath(configDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DockError(
      `${path} is not valid JSON (${(err as Error).message}); fix it first, harpoon will not overwrite it`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new DockError(`${path} is not a JSON object; fix it first, harpoon will not overwrite it`);
  return parsed as Record<string, unknown>;
}

/** The context named in config.json, or "default". (The environment is the caller's business.) */
export function currentContext(configDir: string): string {
  const current = readConfig(configDir)?.currentContext;
  return typeof current === 'string' && current !== '' ? current : DEFAULT_CONTEXT;
}

function setCurrentContext(configDir: string, name: string): void {
  const config = readConfig(configDir);
  if (!config && name === DEFAULT_CONTEXT) return; // nothing to clear
  const next = { ...(config ?? {}) };
  if (name === DEFAULT_CONTEXT) delete next.currentContext;
  else next.currentContext = name;
  // The docker CLI writes config.json tab-indented; every other key is kept as it was.
  writeAtomic(configPath(configDir), JSON.stringify(next, null, '\t'), 0o600);
}

/** Write through a temporary file and rename, into the symlink's target if the path is one; keep an existing mode. */
function writeAtomic(path: string, text: string, newMode: number): void {
  let target = path;
  try {
    target = realpathSync(path);
  } catch {
    // a new file
  }
  let mode = newMode;
  try {
    mode = statSync(target).mode & 0o777;
  } catch {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  }
  const tmp = `${target}.harpoon-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
