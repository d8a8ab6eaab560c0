// --print-command: the docker command line equivalent to what harpoon is about to do through
// the API, for people who think in docker CLI terms (dockerutils printed every command it ran).
// Requests are data; this only renders them. Secret-looking values are masked.

export type KeyValues = Record<string, string>;

/** Keys whose values are never printed. */
const SECRET_KEY = /pass(word)?|secret|token|credential|auth|private|api[_-]?key|(^|_)key$/i;
export const MASK = '****';

export function maskValue(key: string, value: string): string {
  return SECRET_KEY.test(key) ? MASK : value;
}

const PLAIN = /^[A-Za-z0-9_\/.:=@%+,^-]+$/;

/** One argument, quoted for a POSIX shell only when it needs it. */
export function shellQuote(arg: string): string {
  if (arg !== '' && PLAIN.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell line, each word quoted only where the shell needs it. */
export function formatCommand(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}

function pairs(flag: string, values: KeyValues | undefined, mask = true): string[] {
  return Object.entries(values ?? {}).flatMap(([k, v]) => [flag, `${k}=${mask ? maskValue(k, v) : v}`]);
}

function many(flag: string, values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => [flag, v]);
}

/** Global flags that choose the engine, as `docker --context NAME` / `-H URL`. */
export interface EngineChoice {
  context?: string;
  host?: string;
}

function engineFlags(engine: EngineChoice | undefined): string[] {
  if (engine?.context) return ['--context', engine.context];
  if (engine?.host) return ['-H', engine.host];
  return [];
}

export interface BuildCommand {
  tags: string[];
  /** The context directory. */
  context: string;
  dockerfile?: string;
  buildArgs?: KeyValues;
  labels?: KeyValues;
  target?: string;
  pull?: boolean;
  noCache?: boolean;
  network?: string;
  platform?: string;
  engine?: EngineChoice;
}

export function dockerBuild(b: BuildCommand): string[] {
  return [
    'docker',
    ...engineFlags(b.engine),
    'build',
    ...many('-t', b.tags),
    ...(b.dockerfile ? ['-f', b.dockerfile] : []),
    ...pairs('--build-arg', b.buildArgs),
    ...pairs('--label', b.labels, false),
    ...(b.target ? ['--target', b.target] : []),
    ...(b.pull ? ['--pull'] : []),
    ...(b.noCache ? ['--no-cache'] : []),
    ...(b.network ? ['--network', b.network] : []),
    ...(b.platform ? ['--platform', b.platform] : []),
    b.context,
  ];
}

export interface RunCommand {
  image: string;
  cmd?: string[];
  name?: string;
  remove?: boolean;
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  env?: KeyValues;
  /** Bare `-e NAME`: the value passed on from the caller's environment (never printed). */
  passEnv?: string[];
  labels?: KeyValues;
  /** -v specs, as given. */
  volumes?: string[];
  /** --mount specs, as given. */
  mounts?: string[];
  /** -p specs, as given. */
  ports?: string[];
  network?: string;
  /** --gpus value, e.g. "all". */
  gpus?: string;
  entrypoint?: string;
  workdir?: string;
  user?: string;
  /** --init: an init process reaps zombies and forwards signals. */
  init?: boolean;
  /** Other docker run flags, as argv, placed before the image (--privileged, --shm-size 1g, ...). */
  flags?: string[];
  engine?: EngineChoice;
}

export function dockerRun(r: RunCommand): string[] {
  return [
    'docker',
    ...engineFlags(r.engine),
    'run',
    ...(r.remove ? ['--rm'] : []),
    ...(r.detach ? ['-d'] : []),
    ...(r.interactive && r.tty ? ['-it'] : r.interactive ? ['-i'] : r.tty ? ['-t'] : []),
    ...(r.init ? ['--init'] : []),
    ...(r.name ? ['--name', r.name] : []),
    ...many('-e', r.passEnv),
    ...pairs('-e', r.env),
    ...pairs('--label', r.labels, false),
    ...many('-v', r.volumes),
    ...many('--mount', r.mounts),
    ...many('-p', r.ports),
    ...(r.network ? ['--network', r.network] : []),
    ...(r.gpus ? ['--gpus', r.gpus] : []),
    ...(r.entrypoint ? ['--entrypoint', r.entrypoint] : []),
    ...(r.workdir ? ['-w', r.workdir] : []),
    ...(r.user ? ['-u', r.user] : []),
    ...(r.flags ?? []),
    r.image,
    ...(r.cmd ?? []),
  ];
}

/** `docker save REF | docker --context DOCK load`, as one shell line. */
export function dockerTransfer(ref: string, from: EngineChoice | undefined, to: EngineChoice): string {
  return `${formatCommand(['docker', ...engineFlags(from), 'save', ref])} | ${formatCommand(['docker', ...engineFlags(to), 'load'])}`;
}

export function dockerTag(source: string, target: string, engine?: EngineChoice): string[] {
  return ['docker', ...engineFlags(engine), 'tag', source, target];
}

export function dockerRmi(ref: string, engine?: EngineChoice): string[] {
  return ['docker', ...engineFlags(engine), 'rmi', ref];
}

/** Credentials never appear: docker push reads them from the docker config, as harpoon does. */
export function dockerPush(ref: string, engine?: EngineChoice): string[] {
  return ['docker', ...engineFlags(engine), 'push', ref];
}

/**
 * `docker login` for credentials harpoon takes from the environment (the docker CLI would not
 * see them): the password is read from the variable, so the line never holds it.
 */
export function dockerLoginFromEnv(
  registry: string,
  username: string,
  passwordVariable = 'HARPOON_REGISTRY_PASSWORD',
): string {
  const server = registry === 'docker.io' ? [] : [registry];
  return `printf '%s' "$${passwordVariable}" | ${formatCommand(['docker', 'login', '--username', username, '--password-stdin', ...server])}`;
}
