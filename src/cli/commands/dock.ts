// harpoon dock add|ls|rm|use|env: docks are docker engines stored as docker contexts, so the
// docker CLI sees harpoon's docks (`docker --context NAME`) and harpoon sees the CLI's contexts.
// Exit codes as the docker CLI's `context` commands: 1 for a dock problem, 125 for bad flags.
// --print-command, as on every other command: the equivalent docker command lines on stdout,
// after the checks that need no change (a bad name or URL, a missing dock: exit 1), and nothing done.
import { Harpoon } from '../../index.ts';
import { systemResolveEnvFor } from '../../core/endpoint.ts';
import { dockEnvironment, envScript, parseShell, unsetScript } from '../docks/env.ts';
import {
  addDock,
  checkAddDock,
  checkRemoveDock,
  checkUseDock,
  currentContext,
  DEFAULT_CONTEXT,
  DOCK_DESCRIPTION,
  DockError,
  dockerConfigDir,
  getDock,
  listDocks,
  maskUrl,
  removeDock,
  useDock,
  type Dock,
} from '../docks/store.ts';
import { formatCommand } from '../../project/print-command.ts';

export interface PrintFlags {
  /** Print the equivalent docker command lines on stdout and do nothing else. */
  printCommand?: boolean;
}

type Env = Record<string, string | undefined>;

/** --print-command's output: one docker command line each, on stdout. */
function printCommands(...commands: string[][]): void {
  for (const argv of commands) process.stdout.write(`${formatCommand(argv)}\n`);
}

// --- add ------------------------------------------------------------------------------------

export interface AddFlags extends PrintFlags {
  tlsDir?: string;
  insecure?: boolean;
  force?: boolean;
}

/** `docker context create NAME ...`, as harpoon's add amounts to (the URL's password, if any, masked). */
export function dockerContextCreate(name: string, url: string, tlsDir?: string): string[] {
  const tls = tlsDir
    ? ['ca', 'cert', 'key'].map((file) => `,${file}=${tlsDir.replace(/\/+$/, '')}/${file}.pem`).join('')
    : '';
  return [
    'docker',
    'context',
    'create',
    name,
    '--description',
    DOCK_DESCRIPTION,
    '--docker',
    `host=${maskUrl(url)}${tls}`,
  ];
}

export async function dockAdd(name: string, url: string, flags: AddFlags, env: Env = process.env): Promise<number> {
  const configDir = dockerConfigDir(env);
  const options = {
    ...(flags.tlsDir ? { tlsDir: flags.tlsDir } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
    ...(flags.force ? { force: true } : {}),
  };
  if (flags.printCommand) {
    // The same checks as add (name, URL, TLS files, an existing dock), then the commands; nothing written.
    const planned = checkAddDock(configDir, name, url, options);
    if (planned.replaces) printCommands(['docker', 'context', 'rm', '--force', name]);
    printCommands(dockerContextCreate(name, planned.url, flags.tlsDir));
    return 0;
  }
  const dock = addDock(configDir, name, url, options);
  process.stdout.write(`${dock.name}\n`);
  process.stderr.write(
    `Added dock "${dock.name}" (${dock.url}) as a docker context. Use it with \`harpoon dock use ${dock.name}\`, \`eval "$(harpoon dock env ${dock.name})"\` or \`docker --context ${dock.name}\`.\n`,
  );
  return 0;
}

// --- ls -------------------------------------------------------------------------------------

export interface LsFlags extends PrintFlags {
  json?: boolean;
  /** Seconds to wait for each engine (default 3). */
  timeout?: string;
}

export interface DockRow {
  name: string;
  url: string;
  current: boolean;
  description: string;
  /** Made by `harpoon dock add`. */
  harpoon: boolean;
  tls: boolean;
  reachable: boolean;
  engineVersion: string | null;
  error: string | null;
}

export interface Probe {
  reachable: boolean;
  engineVersion: string | null;
  error: string | null;
  timedOut?: boolean;
}

/** Connect through the context (its own endpoint, whatever DOCKER_HOST says) and ask the engine's version. */
export async function probeDock(name: string, timeoutMs: number, env: Env = process.env): Promise<Probe> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { timedOut: true }));
    }, timeoutMs);
  });
  try {
    const version = await Promise.race([
      (async () => {
        const client = await Harpoon.connect({
          context: name,
          signal: controller.signal,
          resolveEnv: systemResolveEnvFor(env),
        });
        return (await client.version()).Version;
      })(),
      timeout,
    ]);
    return { reachable: true, engineVersion: version, error: null };
  } catch (err) {
    const e = err as Error & { timedOut?: boolean };
    // EngineUnreachableError wraps the socket error; its own text adds advice meant for `info`.
    const why = e.cause instanceof Error ? e.cause.message : (e.message.split('\n')[0] ?? String(err));
    return { reachable: false, engineVersion: null, error: why, ...(e.timedOut ? { timedOut: true } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The context in effect, as the docker CLI decides it (DOCKER_HOST means "default", then
 * DOCKER_CONTEXT, then config.json), except that a shell pointed at a dock by `dock env`
 * (HARPOON_DOCK set and DOCKER_HOST equal to that dock's URL) shows that dock as current.
 */
export function effectiveContext(configDir: string, env: Env, docks: Dock[]): string {
  if (env.DOCKER_HOST) {
    const docked = env.HARPOON_DOCK ? docks.find((d) => d.name === env.HARPOON_DOCK) : undefined;
    return docked && docked.url === env.DOCKER_HOST ? docked.name : DEFAULT_CONTEXT;
  }
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT;
  return currentContext(configDir);
}

export function docksTable(rows: DockRow[]): string {
  const reach = (r: DockRow) => (r.reachable ? 'yes' : `no: ${r.error ?? 'unknown error'}`);
  const url = (r: DockRow) => (r.url || '-') + (r.tls ? ' (TLS)' : '');
  const table = [
    ['NAME', 'URL', 'ENGINE VERSION', 'REACHABLE'],
    ...rows.map((r) => [r.current ? `${r.name} *` : r.name, url(r), r.engineVersion ?? '-', reach(r)]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  return (
    table
      .map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('   '))
      .join('\n') + '\n'
  );
}

export async function dockLs(flags: LsFlags, env: Env = process.env): Promise<number> {
  const seconds = flags.timeout === undefined ? 3 : Number(flags.timeout);
  if (!(Number.isFinite(seconds) && seconds > 0))
    throw new DockError(`--timeout "${flags.timeout}" is not a positive number of seconds`, true);
  const configDir = dockerConfigDir(env);
  const docks = listDocks(configDir);
  if (flags.printCommand) {
    printCommands(
      ['docker', 'context', 'ls'],
      ...[DEFAULT_CONTEXT, ...docks.map((d) => d.name)].map((name) => [
        'docker',
        '--context',
        name,
        'version',
        '--format',
        '{{.Server.Version}}',
      ]),
    );
    return 0;
  }
  const current = effectiveContext(configDir, env, docks);
  const defaultUrl = env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const entries = [
    {
      name: DEFAULT_CONTEXT,
      url: defaultUrl,
      description: env.DOCKER_HOST ? 'DOCKER_HOST' : 'the default socket',
      harpoon: false,
      tls: false,
      error: undefined as string | undefined,
    },
    ...docks.map((d) => ({
      name: d.name,
      url: d.url,
      description: d.description,
      harpoon: d.byHarpoon,
      tls: Boolean(d.tls) && d.url.startsWith('tcp://'),
      error: d.error,
    })),
  ];
  const probes = await Promise.all(
    entries.map((e) =>
      e.error
        ? Promise.resolve<Probe>({ reachable: false, engineVersion: null, error: e.error })
        : probeDock(e.name, seconds * 1000, env),
    ),
  );
  const rows: DockRow[] = entries.map((e, i) => ({
    name: e.name,
    url: e.url,
    current: e.name === current,
    description: e.description,
    harpoon: e.harpoon,
    tls: e.tls,
    reachable: probes[i]!.reachable,
    engineVersion: probes[i]!.engineVersion,
    error: probes[i]!.error,
  }));
  process.stdout.write(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : docksTable(rows));
  // An ssh connection that timed out may still hold the event loop; do not hang on it.
  if (probes.some((p) => p.timedOut)) setTimeout(() => process.exit(), 200).unref();
  return 0;
}

// --- rm / use -------------------------------------------------------------------------------

export async function dockRm(
  names: string[],
  flags: PrintFlags & { force?: boolean },
  env: Env = process.env,
): Promise<number> {
  const configDir = dockerConfigDir(env);
  const options = flags.force ? { force: true } : {};
  if (flags.printCommand) printCommands(['docker', 'context', 'rm', ...(flags.force ? ['--force'] : []), ...names]);
  // As `docker context rm a b`: remove what can be removed, report the rest, exit 1 if any failed.
  // With --print-command: only report what would fail.
  let failed = 0;
  for (const name of names) {
    try {
      if (flags.printCommand) {
        checkRemoveDock(configDir, name, options);
        continue;
      }
      const { wasCurrent } = removeDock(configDir, name, options);
      process.stdout.write(`${name}\n`);
      if (wasCurrent)
        process.stderr.write(`"${name}" was the current context; the current context is now "default".\n`);
    } catch (err) {
      if (!(err instanceof DockError)) throw err;
      process.stderr.write(`harpoon dock rm: ${err.message}\n`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}

export async function dockUse(name: string, flags: PrintFlags, env: Env = process.env): Promise<number> {
  if (flags.printCommand) {
    checkUseDock(dockerConfigDir(env), name);
    printCommands(['docker', 'context', 'use', name]);
    return 0;
  }
  useDock(dockerConfigDir(env), name);
  process.stdout.write(`${name}\n`);
  process.stderr.write(`Current context is now "${name}"\n`);
  for (const variable of ['DOCKER_HOST', 'DOCKER_CONTEXT']) {
    if (env[variable]) {
      process.stderr.write(
        `Warning: ${variable} is set in this shell and overrides the current context; unset it (or \`eval "$(harpoon dock env --unset)"\`) to use "${name}".\n`,
      );
    }
  }
  return 0;
}

// --- env ------------------------------------------------------------------------------------

export async function dockEnv(
  name: string | undefined,
  flags: PrintFlags & { unset?: boolean; shell?: string },
  env: Env = process.env,
): Promise<number> {
  const shell = parseShell(flags.shell);
  if (flags.unset || name === DEFAULT_CONTEXT) {
    if (flags.unset && name !== undefined && name !== DEFAULT_CONTEXT)
      throw new DockError('--unset takes no dock name: it undoes whichever dock this shell points at', true);
    // A comment: harmless if it reaches `eval`.
    process.stdout.write(
      flags.printCommand
        ? '# no docker command: this only unsets DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH and HARPOON_DOCK\n'
        : unsetScript(shell),
    );
    return 0;
  }
  if (name === undefined)
    throw new DockError(
      'name the dock: `eval "$(harpoon dock env NAME)"`, or undo with `eval "$(harpoon dock env --unset)"`',
      true,
    );
  const dock = getDock(dockerConfigDir(env), name);
  if (!dock) throw new DockError(`context "${name}" does not exist; see \`harpoon dock ls\``);
  if (flags.printCommand) {
    // What the script sets DOCKER_HOST to; `export DOCKER_CONTEXT=NAME` is the docker CLI's own way.
    printCommands(['docker', 'context', 'inspect', name, '--format', '{{.Endpoints.docker.Host}}']);
    return 0;
  }
  process.stdout.write(envScript(dockEnvironment(dock), shell));
  return 0;
}

// --- wiring ---------------------------------------------------------------------------------

/** main.ts's action wrapper: records the command name and the exit code. */
