// The orchestrator's data model: what a unit file says, once substituted, parsed, validated
// and resolved. The config layer (config/) produces these; the planner and the orders consume
// them. Plain data, no engine.

/** Where something was written, for errors and `--dry-run` reasons. */
export interface Source {
  file: string;
  line: number;
}

/** How to build a container's image: a folder of the config directory and/or in-memory lines. */
export interface BuildSpec {
  /** The context folder, absolute (written relative to the config directory). */
  path?: string;
  /** In-memory Dockerfile lines; with `path`, they replace the folder's Dockerfile. */
  dockerfile?: string[];
  /** The image name the build is tagged with (default `<unit>-<container>:latest`). */
  tag: string;
  args: Record<string, string>;
  /** Image labels (harpoon.image=true and harpoon.unit are always added). */
  labels: Record<string, string>;
  /** Stop at this stage of a multi-stage Dockerfile. */
  target?: string;
}

/** A volume of a container: unit volumes are named volumes that harpoon creates and labels. */
export interface VolumeSpec {
  /** Engine volume name (`<unit>-<container>-<path slug>` for a bare path), or a host path for a bind. */
  source: string;
  target: string;
  readOnly: boolean;
  kind: 'volume' | 'bind';
}

/** A published port: host address (127.0.0.1 unless written), host port, container port, protocol. */
export interface PortSpec {
  /** Host address; 127.0.0.1 unless written. */
  hostIp: string;
  /** Host port; undefined lets the engine pick one. */
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** Options for creating the container (docker create). Everything here feeds the config hash. */
export interface CreationSpec {
  /** The image to run: the build tag when the container is built, else written as `image:`. */
  image: string;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  volumes: VolumeSpec[];
  /** Containers of the unit (by unit container name) whose volumes this one mounts. */
  volumesFrom: string[];
  ports: PortSpec[];
  /** Containers of the unit this one links to: name → alias. */
  links: Record<string, string>;
  /** User-defined networks, created by harpoon with its labels (engine name `<unit>-<network>`). */
  networks: string[];
  /** `container:<name>` shares another unit container's network stack; `none`, `host`, `bridge`. */
  networkMode?: string;
  workingDir?: string;
  user?: string;
  hostname?: string;
  tty: boolean;
  stdinOpen: boolean;
  /** Restart policy name: no, always, unless-stopped, on-failure[:N]. */
  restart?: string;
  /** Memory limit in bytes. */
  memory?: number;
}

/** How the container is started and when it counts as started. */
export interface StartupSpec {
  /** Wait until the log matches this regex (source text). */
  waitLog?: string;
  /** Wait until the health check reports healthy. */
  waitHealthy: boolean;
  /** Wait until the container has exited (a job), and require this exit code. */
  waitExit?: number;
  /** Seconds for the waits above. */
  timeoutSeconds: number;
}

/** A check that a running container answers HTTP with a status (and a body). */
export interface DaemonCheck {
  kind: 'daemon';
  name: string;
  /** Either a full URL, or a container port published on 127.0.0.1 plus a path. */
  url?: string;
  port?: number;
  path: string;
  status: number;
  /** Regex (source text) the body must match. */
  body?: string;
  timeoutSeconds: number;
  source: Source;
}

/** A check that a container runs to an exit code (and prints a matching log). */
export interface JobCheck {
  kind: 'job';
  name: string;
  exitCode: number;
  /** Regex (source text) the container's output must match. */
  log?: string;
  timeoutSeconds: number;
  source: Source;
}

/** A check of a container: a daemon (HTTP) check or a job (exit code) check. */
export type Check = DaemonCheck | JobCheck;

/** One container of a unit, as written: build, creation, startup, checks, ordering. */
export interface ContainerSpec {
  /** The name in the unit file. */
  name: string;
  /** The unit that defines it: the importing unit, or the imported one for `import: unit/other`. */
  unit: string;
  /** The engine's container name: `<unit>-<name>`. */
  engineName: string;
  build?: BuildSpec;
  creation: CreationSpec;
  startup: StartupSpec;
  checks: Check[];
  /** Explicit ordering: containers of the unit this one comes after. */
  after: string[];
  /** Where the definition came from (the import's file for an imported container). */
  source: Source;
  /** The `import:` it came from, e.g. "db/postgres". */
  importedFrom?: string;
}

/** Where an execute order runs: in the running container, a temporary one, a file-system helper, or the host. */
export type ExecuteType = 'file_system' | 'temporary' | 'in_running' | 'host';

/** The orders a unit file may give: build, create, start, stop, backup, restore, remove, execute, … */
export type OrderCommand =
  | 'build'
  | 'create'
  | 'start'
  | 'stop'
  | 'backup'
  | 'restore'
  | 'remove'
  | 'remove_image'
  | 'execute'
  | 'tag'
  | 'commit'
  | 'push'
  | 'check';

/** One order: a command on one container (or on this machine, for `execute` with type host). */
export interface Order {
  /** The container it applies to (a name of the unit); undefined for host-only orders. */
  container?: string;
  command: OrderCommand;
  /** The order runs only when one of these variants is asked for; empty = always. */
  variants: string[];
  /** The order's own arguments, validated per command (see orders/args.ts). */
  args: OrderArgs;
  source: Source;
}

/** An order's arguments, by order (see docs/units-format.md). */
export interface OrderArgs {
  // build
  noCache?: boolean;
  pull?: boolean;
  // start
  restart?: boolean;
  // start, stop: seconds before SIGKILL
  timeout?: number;
  // backup, restore
  backupDir?: string;
  backupName?: string;
  /** backup: paths to archive instead of every volume of the container. */
  paths?: string[];
  /** restore: extract over what is there instead of emptying the targets first. */
  merge?: boolean;
  /** backup: pause the running container while reading (default true). */
  pause?: boolean;
  // remove
  v?: boolean;
  // remove_image
  force?: boolean;
  // execute
  type?: ExecuteType;
  run?: string[];
  /** execute file_system: image of the helper container (default: the container's image). */
  image?: string;
  interactive?: boolean;
  env?: Record<string, string>;
  workingDir?: string;
  // tag, commit, push: the image name to write or push
  tag?: string;
  // commit
  message?: string;
  author?: string;
  changes?: string[];
  // check
  check?: string;
}

/** A loaded unit command: its containers and orders, and where it came from. */
export interface Unit {
  name: string;
  /** The command file it came from, e.g. units/web/start.yaml, or the start file for a derived one. */
  command: string;
  containers: Map<string, ContainerSpec>;
  orders: Order[];
  /** Derived from the unit's start file rather than written out. */
  derived: boolean;
  source: Source;
}

/** A variable's value and where it came from, for --print-substitutions. */
export interface Substitution {
  name: string;
  value: string;
  from: string;
  /** Each place it was used. */
  usedAt: Source[];
  secret: boolean;
}

/** The labels every orchestrated container, volume and network carries (with harpoon=true). */
export const UNIT_LABEL = 'harpoon.unit';
/** The label holding a container's name in its unit file. */
export const UNIT_CONTAINER_LABEL = 'harpoon.unit.container';
/** The label holding a container's config hash, which decides whether it is recreated. */
export const CONFIG_HASH_LABEL = 'harpoon.unit.config-hash';
