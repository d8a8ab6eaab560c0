// run-image's plan as data: an image's run settings (docker/dockerutils.cfg) with the command
// line's -a -e -c -n -g -k on top, as a container request, how to attach to it, and the docker
// run line --print-command shows. Pure: the environment, user and time are passed in.
//
// What dockerutils did, and what changes:
//   --init, --rm and -it always (dockerutils' defaults); `interactive` in the config now applies.
//   -k keeps the container and runs it detached (dockerutils put the word "True" where --rm
//   was, so -k never worked); a configured -i/-t stays (docker's -dit), so a shell keeps running.
//   -e K=V over the config's env (a=b=c keeps b=c; dockerutils cut it to b); a bare -e K takes
//   this shell's value. AWS_* credentials set here are passed on, as dockerutils did, by name.
//   gpu settings apply only with -g, as a device request (never a runtime name).
//   -a ARGS adds docker run flags to the config's `args`; -c and -n replace cmd and network.
import type { ContainerOptions } from '../core/container/container.ts';
import { managedLabels } from '../core/labels.ts';
import { hostPortText } from '../core/spec/ports.ts';
import { ProjectOptionError } from './errors.ts';
import type { RunCommand } from './print-command.ts';
import {
  bindOf,
  containerRequest,
  envLookup,
  parseRunFlags,
  shellWords,
  splitAssignment,
  ValueError,
  type CatalogueImage,
  type DeviceRequest,
  type HostFlags,
  type Interactive,
  type MountSpec,
  type PortSpec,
  type RunSettings,
  type VolumeSpec,
} from './model.ts';

/** run-image's own flags. */
export interface RunImageOptions {
  /** -a: more docker run flags, one string as a shell would split it. */
  args?: string;
  /** -k: keep the container (no --rm) and run it detached. */
  keep?: boolean;
  /** -c: the command instead of the config's cmd (or the image's CMD). */
  command?: string;
  /** -n: the network instead of the config's. */
  network?: string;
  /** -g: apply the config's gpu settings (default: every NVIDIA GPU). */
  gpu?: boolean;
  /** -e K=V (repeatable). */
  env?: string[];
  /** The container name instead of <user>_<image>_<time>. */
  name?: string;
}

export interface RunContext {
  env: Readonly<Record<string, string | undefined>>;
  /** The project root: ./relative paths in -a are resolved against it, as in the config. */
  root: string;
  user: string;
  now: Date;
}

/** What run-image will do: the container request, its name, and the equivalent docker command. */
export interface RunPlan {
  /** The image's name on the command line. */
  image: string;
  /** What runs: the catalogue's repository:tag. */
  reference: string;
  name: string;
  /** The name was chosen here (another may be tried when it is taken). */
  defaultName: boolean;
  request: Omit<ContainerOptions, 'signal'> & { name: string; hostConfig: NonNullable<ContainerOptions['hostConfig']> };
  /** Attach this process's stdin (-i). */
  stdin: boolean;
  /** A TTY (-t). */
  tty: boolean;
  /** Start and return (-d, or -k). */
  detach: boolean;
  /** Remove the container when it ends (--rm): always, unless -k. */
  remove: boolean;
  /** Variables passed on from this environment by name (AWS credentials). */
  passEnv: string[];
  /** The equivalent docker run (values of secret-looking keys are masked when printed). */
  command: RunCommand;
}

/** The AWS variables dockerutils passed on to every container when they were set. */
export const AWS_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
];

/** dockerutils' `-it` when `interactive` is not set. */
const DEFAULT_INTERACTIVE: Interactive = { stdin: true, tty: true, detach: false };

const usage = <T>(flag: string, fn: () => T): T => {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValueError)
      throw new ProjectOptionError(
        `${flag}: ${err.message}${err.valid.length ? `. Valid: ${err.valid.join(', ')}` : ''}`,
      );
    throw err;
  }
};

/** dockerutils' container name, <user>_<image>_<yy-mm-dd_HH.MM.SS>, with what docker refuses in a name replaced. */
export function containerName(user: string, image: string, now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${two(now.getFullYear() % 100)}-${two(now.getMonth() + 1)}-${two(now.getDate())}_${two(now.getHours())}.${two(now.getMinutes())}.${two(now.getSeconds())}`;
  const name = `${user}_${image}_${stamp}`.replace(/[^a-zA-Z0-9_.-]/g, '_');
  return /^[a-zA-Z0-9]/.test(name) ? name : `u${name}`;
}

/** -a ARGS on top of the config's settings: lists added to, single values replaced. */
function withArgs(run: RunSettings, args: string, ctx: RunContext): RunSettings {
  const words = usage('-a', () => shellWords(args));
  const flags = usage('-a', () =>
    parseRunFlags(words, ['volumes', 'ports', 'environment', 'container'], { env: envLookup(ctx.env), root: ctx.root }),
  );
  return {
    ...run,
    volumes: [...run.volumes, ...flags.volumes],
    mounts: [...run.mounts, ...flags.mounts],
    ports: [...run.ports, ...flags.ports],
    env: { ...run.env, ...flags.env },
    labels: { ...run.labels, ...flags.labels },
    hostConfig: { ...run.hostConfig, ...flags.hostConfig },
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
    ...(flags.entrypoint !== undefined ? { entrypoint: flags.entrypoint } : {}),
    ...(flags.hostname !== undefined ? { hostname: flags.hostname } : {}),
  };
}

/** -e K=V / -e K: only the first "=" splits; a bare K takes this environment's value, or is dropped when unset. */
export function envOptions(
  items: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const [key, value] = usage('-e', () => splitAssignment(item, '-e'));
    const resolved = value ?? (Object.hasOwn(env, key) ? env[key] : undefined);
    if (resolved !== undefined) out[key] = resolved;
  }
  return out;
}

export function runPlanFor(
  settings: RunSettings,
  image: CatalogueImage,
  options: RunImageOptions,
  ctx: RunContext,
): RunPlan {
  let run = options.args ? withArgs(settings, options.args, ctx) : settings;

  // AWS credentials of this environment, below everything the config and the command line set.
  const aws: Record<string, string> = {};
  for (const name of AWS_VARIABLES) {
    const value = ctx.env[name];
    if (value) aws[name] = value;
  }
  const cliEnv = envOptions(options.env ?? [], ctx.env);
  const overridden = new Set([
    ...Object.keys(run.env),
    ...Object.keys(cliEnv),
    ...(options.gpu ? Object.keys(run.gpu.env) : []),
  ]);
  const passEnv = Object.keys(aws).filter((k) => !overridden.has(k));
  run = { ...run, env: { ...aws, ...run.env } };

  let cmd: string[] | undefined;
  if (options.command !== undefined) {
    cmd = usage('-c', () => shellWords(options.command!));
    if (cmd.length === 0) throw new ProjectOptionError('-c: the command is empty');
  }
  if (options.network !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(options.network)) {
    throw new ProjectOptionError(`-n "${options.network}" is not a network name`);
  }
  const name = options.name ?? containerName(ctx.user, image.image, ctx.now);
  const base = containerRequest(run, {
    image: image.reference,
    ...(options.gpu ? { gpu: true } : {}),
    env: cliEnv,
    ...(cmd ? { cmd } : {}),
    ...(options.network !== undefined ? { network: options.network } : {}),
    name,
  });
  const { detach: _configDetach, ...container } = base;

  const interactive = run.interactive ?? DEFAULT_INTERACTIVE;
  const keep = Boolean(options.keep);
  const detach = interactive.detach || keep;
  const hostConfig = { ...container.hostConfig, Init: run.hostConfig.Init ?? true };
  const request = { ...container, name, tty: interactive.tty, openStdin: interactive.stdin, hostConfig };
  const env = request.env as Record<string, string>;

  const command: RunCommand = {
    image: image.reference,
    ...(request.cmd ? { cmd: request.cmd } : {}),
    name,
    remove: !keep,
    detach,
    interactive: interactive.stdin,
    tty: interactive.tty,
    init: hostConfig.Init,
    passEnv,
    env: Object.fromEntries(Object.entries(env).filter(([k]) => !passEnv.includes(k))),
    labels: managedLabels(request.labels ?? {}),
    volumes: run.volumes.map(volumeArg),
    mounts: run.mounts.map(mountArg),
    ports: run.ports.map(portArg),
    ...(hostConfig.NetworkMode ? { network: hostConfig.NetworkMode } : {}),
    ...(options.gpu ? { gpus: gpusArg(run.gpu.request) } : {}),
    ...(run.entrypoint ? { entrypoint: run.entrypoint[0] ?? '' } : {}),
    ...(run.workdir ? { workdir: run.workdir } : {}),
    ...(run.user ? { user: run.user } : {}),
    flags: [...(run.hostname ? ['--hostname', run.hostname] : []), ...hostFlagArgs(run.hostConfig)],
  };
  return {
    image: image.image,
    reference: image.reference,
    name,
    defaultName: options.name === undefined,
    request,
    stdin: interactive.stdin,
    tty: interactive.tty,
    detach,
    remove: !keep,
    passEnv,
    command,
  };
}

// --- data back into docker run flags, for --print-command ------------------------------------

export function volumeArg(v: VolumeSpec): string {
  return bindOf(v) ?? v.target;
}

/** A field of a --mount or --gpus value, quoted as docker's csv reader wants when it holds a comma or quote. */
function csvField(field: string): string {
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function mountArg(m: MountSpec): string {
  const fields = [`type=${m.Type}`];
  if (m.Source !== undefined) fields.push(`source=${m.Source}`);
  fields.push(`target=${m.Target}`);
  if (m.ReadOnly) fields.push('readonly');
  if (m.Consistency) fields.push(`consistency=${m.Consistency}`);
  if (m.BindOptions) fields.push(`bind-propagation=${m.BindOptions.Propagation}`);
  const vo = m.VolumeOptions;
  if (vo?.NoCopy) fields.push('volume-nocopy');
  for (const [k, v] of Object.entries(vo?.Labels ?? {})) fields.push(`volume-label=${k}=${v}`);
  if (vo?.DriverConfig?.Name) fields.push(`volume-driver=${vo.DriverConfig.Name}`);
  for (const [k, v] of Object.entries(vo?.DriverConfig?.Options ?? {})) fields.push(`volume-opt=${k}=${v}`);
  if (m.TmpfsOptions?.SizeBytes !== undefined) fields.push(`tmpfs-size=${m.TmpfsOptions.SizeBytes}`);
  if (m.TmpfsOptions?.Mode !== undefined) fields.push(`tmpfs-mode=${m.TmpfsOptions.Mode.toString(8)}`);
  return fields.map(csvField).join(',');
}

export function portArg(p: PortSpec): string {
  const proto = p.protocol === 'tcp' ? '' : `/${p.protocol}`;
  const host = hostPortText(p);
  if (!p.hostIp) return `${host ? `${host}:` : ''}${p.containerPort}${proto}`;
  const ip = p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp;
  return `${ip}:${host}:${p.containerPort}${proto}`;
}

export function gpusArg(r: DeviceRequest): string {
  const caps = (r.Capabilities[0] ?? []).filter((c) => c !== 'gpu');
  const fields: string[] = [];
  if (r.DeviceIDs) fields.push(`device=${r.DeviceIDs.join(',')}`);
  else fields.push(r.Count === -1 || r.Count === undefined ? 'all' : String(r.Count));
  if (caps.length) fields.push(`capabilities=${caps.join(',')}`);
  if (r.Driver && r.Driver !== 'nvidia') fields.push(`driver=${r.Driver}`);
  const options = Object.entries(r.Options ?? {});
  if (options.length) fields.push(`options=${options.map(([k, v]) => csvField(`${k}=${v}`)).join(',')}`);
  if (fields.length === 1 && !r.DeviceIDs) return fields[0]!;
  return fields.map(csvField).join(',');
}

/** HostConfig fields from `args` / -a as docker run flags (--init is rendered on its own). */
export function hostFlagArgs(h: HostFlags): string[] {
  const out: string[] = [];
  const each = (flag: string, values: readonly string[] | undefined) =>
    (values ?? []).forEach((v) => out.push(flag, v));
  if (h.Privileged) out.push('--privileged');
  if (h.ReadonlyRootfs) out.push('--read-only');
  if (h.ShmSize !== undefined) out.push('--shm-size', String(h.ShmSize));
  if (h.Memory !== undefined) out.push('--memory', String(h.Memory));
  if (h.NanoCpus !== undefined) out.push('--cpus', String(h.NanoCpus / 1e9));
  if (h.IpcMode) out.push('--ipc', h.IpcMode);
  if (h.PidMode) out.push('--pid', h.PidMode);
  each('--cap-add', h.CapAdd);
  each('--cap-drop', h.CapDrop);
  each('--add-host', h.ExtraHosts);
  each('--security-opt', h.SecurityOpt);
  each('--group-add', h.GroupAdd);
  each(
    '--device',
    h.Devices?.map((d) => `${d.PathOnHost}:${d.PathInContainer}:${d.CgroupPermissions}`),
  );
  each(
    '--tmpfs',
    Object.entries(h.Tmpfs ?? {}).map(([path, opts]) => (opts ? `${path}:${opts}` : path)),
  );
  each(
    '--ulimit',
    h.Ulimits?.map((u) => `${u.Name}=${u.Soft}:${u.Hard}`),
  );
  return out;
}
