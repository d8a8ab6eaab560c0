// docker run flags, as dockerutils.cfg holds them (volumes, ports, environment, interactive,
// gpu, args), read into data: the Engine API's own shapes where there is one (Mount,
// DeviceRequest, HostConfig fields), small typed records otherwise. Nothing here runs anything.
import { isAbsolute, resolve } from 'node:path';
import { type PortMapping, parsePortMappings } from '../core/spec/ports.ts';
import { parseSize as parseSizeText } from '../core/spec/sizes.ts';
import { ValueError } from './errors.ts';
import { parseFlags, type FlagSpec } from './flag-parser.ts';
import type { EnvLookup } from './variables.ts';

/** -v [SOURCE:]TARGET[:OPTIONS]: a bind (SOURCE a path), a named volume, or an anonymous one. */
export interface VolumeSpec {
  /** Host path (absolute; "./x" is resolved against the project root) or volume name. */
  source?: string;
  target: string;
  /** "ro", "rw", "z", "nocopy", "rshared", … comma-separated, as docker takes them. */
  mode?: string;
}

/** --mount …: the Engine API's Mount object. */
export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation: string };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string>;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** -p [IP:][HOST:]CONTAINER[/PROTO], one record per container port (ranges are expanded). */
export type PortSpec = PortMapping;

/** -i / -t / -d. */
export interface Interactive {
  stdin: boolean;
  tty: boolean;
  detach: boolean;
}

/** The Engine API's DeviceRequest (HostConfig.DeviceRequests[]). */
export interface DeviceRequest {
  Driver: string;
  Count?: number;
  DeviceIDs?: string[];
  Capabilities: string[][];
  Options?: Record<string, string>;
}

/** HostConfig fields set by the other run flags (`args`). */
export interface HostFlags {
  Privileged?: boolean;
  Init?: boolean;
  ReadonlyRootfs?: boolean;
  ShmSize?: number;
  Memory?: number;
  NanoCpus?: number;
  IpcMode?: string;
  PidMode?: string;
  CapAdd?: string[];
  CapDrop?: string[];
  ExtraHosts?: string[];
  SecurityOpt?: string[];
  GroupAdd?: string[];
  Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  Tmpfs?: Record<string, string>;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
}

export interface RunFlags {
  /** -e K=V, in order; a bare -e K takes the caller's environment value (dropped when unset). */
  env: Record<string, string>;
  volumes: VolumeSpec[];
  mounts: MountSpec[];
  ports: PortSpec[];
  interactive?: Interactive;
  /** --gpus. */
  gpus?: DeviceRequest;
  /** --runtime=nvidia (NVIDIA Docker 2): read as a GPU device request. */
  nvidiaRuntime?: boolean;
  user?: string;
  workdir?: string;
  entrypoint?: string[];
  hostname?: string;
  labels: Record<string, string>;
  hostConfig: HostFlags;
}

export interface FlagContext {
  env: EnvLookup;
  /** The project root: relative host paths ("./data", ".") are resolved against it. */
  root: string;
}

export const emptyRunFlags = (): RunFlags => ({
  env: {},
  volumes: [],
  mounts: [],
  ports: [],
  labels: {},
  hostConfig: {},
});

export type FlagGroup = 'volumes' | 'ports' | 'environment' | 'interactive' | 'gpu' | 'container';

// --- values ---------------------------------------------------------------------------------

/** "a=b=c" → ["a", "b=c"]: only the first "=" splits. */
export function splitAssignment(item: string, flag: string): [string, string | undefined] {
  const at = item.indexOf('=');
  const key = at < 0 ? item : item.slice(0, at);
  if (!key) throw new ValueError(`${flag} "${item}": the name before "=" is empty`);
  return [key, at < 0 ? undefined : item.slice(at + 1)];
}

const isRelativePath = (p: string): boolean => p === '.' || p === '..' || p.startsWith('./') || p.startsWith('../');
const hostPath = (p: string, ctx: FlagContext): string => (isRelativePath(p) ? resolve(ctx.root, p) : p);

const VOLUME_MODES = [
  'ro',
  'rw',
  'z',
  'Z',
  'nocopy',
  'shared',
  'rshared',
  'slave',
  'rslave',
  'private',
  'rprivate',
  'consistent',
  'cached',
  'delegated',
];
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function parseVolume(spec: string, ctx: FlagContext): VolumeSpec {
  const form = '-v [SOURCE:]TARGET[:OPTIONS] (SOURCE a host path or volume name, TARGET an absolute path)';
  const parts = spec.split(':');
  if (parts.some((p) => p === '') || parts.length > 3) throw new ValueError(`-v "${spec}" is not ${form}`);
  if (parts.length === 2 && parts[1]!.split(',').every((m) => VOLUME_MODES.includes(m))) {
    throw new ValueError(
      `-v "${spec}": an anonymous volume takes no options; give a source, as in -v SOURCE:${parts[0]}:${parts[1]}`,
    );
  }
  const [first, second, mode] = parts;
  const volume: VolumeSpec = parts.length === 1 ? { target: first! } : { source: first!, target: second! };
  if (!volume.target.startsWith('/'))
    throw new ValueError(`-v "${spec}": the container path "${volume.target}" must be absolute`);
  if (volume.source !== undefined) {
    if (isRelativePath(volume.source)) volume.source = hostPath(volume.source, ctx);
    else if (!isAbsolute(volume.source) && !VOLUME_NAME.test(volume.source)) {
      throw new ValueError(
        `-v "${spec}": "${volume.source}" is neither an absolute or ./relative host path nor a volume name`,
      );
    }
  }
  if (mode !== undefined) {
    const bad = mode.split(',').filter((m) => !VOLUME_MODES.includes(m));
    if (bad.length)
      throw new ValueError(`-v "${spec}": unknown option ${bad.map((b) => `"${b}"`).join(', ')}`, VOLUME_MODES);
    volume.mode = mode;
  }
  return volume;
}

/** Comma-separated fields, a field may be "double-quoted" (docker reads these with encoding/csv). */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new ValueError(`unclosed quote in "${text}"`);
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
      const comma = text.indexOf(',', i);
      field += text.slice(i, comma < 0 ? text.length : comma);
      i = comma < 0 ? text.length : comma;
    } else {
      const comma = text.indexOf(',', i);
      field = text.slice(i, comma < 0 ? text.length : comma);
      i = comma < 0 ? text.length : comma;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

const MOUNT_KEYS = [
  'type',
  'source',
  'src',
  'target',
  'destination',
  'dst',
  'readonly',
  'ro',
  'consistency',
  'bind-propagation',
  'volume-nocopy',
  'volume-label',
  'volume-driver',
  'volume-opt',
  'tmpfs-size',
  'tmpfs-mode',
];
const PROPAGATIONS = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];

function flagBool(flag: string, value: string | undefined): boolean {
  if (value === undefined || ['true', '1'].includes(value.toLowerCase())) return true;
  if (['false', '0'].includes(value.toLowerCase())) return false;
  throw new ValueError(`${flag}: "${value}" is not true, false, 1 or 0`);
}

export function parseMount(spec: string, ctx: FlagContext): MountSpec {
  const at = `--mount "${spec}"`;
  let type: MountSpec['Type'] = 'volume';
  let source: string | undefined;
  let target: string | undefined;
  const mount: Omit<MountSpec, 'Type' | 'Target'> = {};
  const volumeOptions = (): NonNullable<MountSpec['VolumeOptions']> => (mount.VolumeOptions ??= {});
  const tmpfsOptions = (): NonNullable<MountSpec['TmpfsOptions']> => (mount.TmpfsOptions ??= {});
  const seen = new Set<string>();
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    if (!MOUNT_KEYS.includes(key)) throw new ValueError(`${at}: unknown field "${key}"`, MOUNT_KEYS);
    if (seen.has(key) && key !== 'volume-label' && key !== 'volume-opt')
      throw new ValueError(`${at}: "${key}" is given twice`);
    seen.add(key);
    const need = (): string => {
      if (value === undefined || value === '') throw new ValueError(`${at}: "${key}" needs a value (${key}=…)`);
      return value;
    };
    switch (key) {
      case 'type': {
        const t = need();
        if (t !== 'bind' && t !== 'volume' && t !== 'tmpfs')
          throw new ValueError(`${at}: type "${t}" is not supported`, ['bind', 'volume', 'tmpfs']);
        type = t;
        break;
      }
      case 'source':
      case 'src':
        source = need();
        break;
      case 'target':
      case 'destination':
      case 'dst':
        target = need();
        break;
      case 'readonly':
      case 'ro':
        mount.ReadOnly = flagBool(`${at} ${key}`, value);
        break;
      case 'consistency': {
        const c = need();
        if (!['default', 'consistent', 'cached', 'delegated'].includes(c))
          throw new ValueError(`${at}: consistency "${c}"`, ['default', 'consistent', 'cached', 'delegated']);
        mount.Consistency = c;
        break;
      }
      case 'bind-propagation': {
        const p = need();
        if (!PROPAGATIONS.includes(p)) throw new ValueError(`${at}: bind-propagation "${p}"`, PROPAGATIONS);
        mount.BindOptions = { Propagation: p };
        break;
      }
      case 'volume-nocopy':
        volumeOptions().NoCopy = flagBool(`${at} ${key}`, value);
        break;
      case 'volume-label': {
        const [k, v] = splitAssignment(need(), 'volume-label');
        (volumeOptions().Labels ??= {})[k] = v ?? '';
        break;
      }
      case 'volume-driver':
        (volumeOptions().DriverConfig ??= {}).Name = need();
        break;
      case 'volume-opt': {
        const [k, v] = splitAssignment(need(), 'volume-opt');
        ((volumeOptions().DriverConfig ??= {}).Options ??= {})[k] = v ?? '';
        break;
      }
      case 'tmpfs-size':
        tmpfsOptions().SizeBytes = parseSize(need(), `${at} tmpfs-size`);
        break;
      case 'tmpfs-mode': {
        const m = need();
        if (!/^[0-7]{1,4}$/.test(m)) throw new ValueError(`${at}: tmpfs-mode "${m}" is not an octal mode such as 1777`);
        tmpfsOptions().Mode = parseInt(m, 8);
        break;
      }
    }
  }
  if (!target) throw new ValueError(`${at}: a target (target=/path/in/container) is required`);
  if (!target.startsWith('/')) throw new ValueError(`${at}: the target "${target}" must be an absolute path`);
  if (type === 'bind' && !source) throw new ValueError(`${at}: a bind mount needs source=/host/path`);
  if (type === 'tmpfs' && source) throw new ValueError(`${at}: a tmpfs mount takes no source`);
  if (mount.BindOptions && type !== 'bind') throw new ValueError(`${at}: bind-propagation is for type=bind only`);
  if (mount.VolumeOptions && type !== 'volume') throw new ValueError(`${at}: volume-* fields are for type=volume only`);
  if (mount.TmpfsOptions && type !== 'tmpfs') throw new ValueError(`${at}: tmpfs-* fields are for type=tmpfs only`);
  if (type === 'bind' && source) {
    source = hostPath(source, ctx);
    if (!isAbsolute(source))
      throw new ValueError(`${at}: the bind source "${source}" must be an absolute or ./relative path`);
  }
  return { Type: type, ...(source !== undefined ? { Source: source } : {}), Target: target, ...mount };
}

/** -p: core's port parser, its errors prefixed with the flag. */
export function parsePort(spec: string): PortSpec[] {
  try {
    return parsePortMappings(spec);
  } catch (err) {
    if (err instanceof ValueError) throw new ValueError(`-p ${err.message}`, err.valid);
    throw err;
  }
}

/** docker's size strings: 512, 64k, 1.5g, 2GiB, 100mb (binary units, as go-units RAMInBytes). */
export function parseSize(text: string, flag: string): number {
  const bytes = parseSizeText(text);
  if (bytes === undefined) throw new ValueError(`${flag}: "${text}" is not a size such as 512m or 2g`);
  return bytes;
}

export const DEFAULT_GPU_REQUEST: DeviceRequest = { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] };

/** --gpus all | N | device=0,1 | count=…,capabilities=…,driver=…,options=… (docker's opts/gpus.go). */
export function parseGpus(spec: string): DeviceRequest {
  const at = `--gpus "${spec}"`;
  const request: DeviceRequest = { Driver: 'nvidia', Capabilities: [['gpu']] };
  const count = (v: string): number => {
    if (v === 'all') return -1;
    if (!/^\d+$/.test(v)) throw new ValueError(`${at}: count "${v}" is not a number or "all"`);
    return Number(v);
  };
  const seen = new Set<string>();
  let counted = false;
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? 'count' : field.slice(0, eq);
    const value = eq < 0 ? field : field.slice(eq + 1);
    if (seen.has(key)) throw new ValueError(`${at}: "${key}" is given twice`);
    seen.add(key);
    switch (key) {
      case 'count':
        request.Count = count(value);
        counted = true;
        break;
      case 'driver':
        request.Driver = value;
        break;
      case 'device':
        request.DeviceIDs = value.split(',');
        break;
      case 'capabilities':
        request.Capabilities = [[...value.split(','), 'gpu']];
        break;
      case 'options':
        request.Options = Object.fromEntries(
          csvFields(value).map((o) => {
            const [k, v] = splitAssignment(o, 'options');
            return [k, v ?? ''];
          }),
        );
        break;
      default:
        throw new ValueError(`${at}: unknown field "${key}"`, [
          'all',
          'N',
          'count=',
          'device=',
          'capabilities=',
          'driver=',
          'options=',
        ]);
    }
  }
  if (!counted && !request.DeviceIDs) request.Count = 1;
  return request;
}

// --- the flags ------------------------------------------------------------------------------

type Spec = FlagSpec<RunFlags>;

function envSpec(ctx: FlagContext): Spec {
  return {
    names: ['-e', '--env'],
    takesValue: true,
    apply(flags, item, flag) {
      const [key, value] = splitAssignment(item, flag);
      const resolved = value ?? ctx.env(key);
      if (resolved !== undefined) flags.env[key] = resolved;
    },
  };
}

const interactiveSpecs: Spec[] = [
  {
    names: ['-i', '--interactive'],
    takesValue: false,
    apply: (f, v) => void ((f.interactive ??= blankInteractive()).stdin = v === 'true'),
  },
  {
    names: ['-t', '--tty'],
    takesValue: false,
    apply: (f, v) => void ((f.interactive ??= blankInteractive()).tty = v === 'true'),
  },
  {
    names: ['-d', '--detach'],
    takesValue: false,
    apply: (f, v) => void ((f.interactive ??= blankInteractive()).detach = v === 'true'),
  },
];
function blankInteractive(): Interactive {
  return { stdin: false, tty: false, detach: false };
}

const containerSpecs: Spec[] = [
  { names: ['-u', '--user'], takesValue: true, apply: (f, v) => void (f.user = v) },
  {
    names: ['-w', '--workdir'],
    takesValue: true,
    apply(f, v, flag) {
      if (!v.startsWith('/')) throw new ValueError(`${flag} "${v}": the working directory must be an absolute path`);
      f.workdir = v;
    },
  },
  { names: ['--entrypoint'], takesValue: true, apply: (f, v) => void (f.entrypoint = v === '' ? [] : [v]) },
  { names: ['-h', '--hostname'], takesValue: true, apply: (f, v) => void (f.hostname = v) },
  {
    names: ['-l', '--label'],
    takesValue: true,
    apply(f, item, flag) {
      const [k, v] = splitAssignment(item, flag);
      f.labels[k] = v ?? '';
    },
  },
  { names: ['--privileged'], takesValue: false, apply: (f, v) => void (f.hostConfig.Privileged = v === 'true') },
  { names: ['--init'], takesValue: false, apply: (f, v) => void (f.hostConfig.Init = v === 'true') },
  { names: ['--read-only'], takesValue: false, apply: (f, v) => void (f.hostConfig.ReadonlyRootfs = v === 'true') },
  { names: ['--shm-size'], takesValue: true, apply: (f, v, flag) => void (f.hostConfig.ShmSize = parseSize(v, flag)) },
  {
    names: ['-m', '--memory'],
    takesValue: true,
    apply: (f, v, flag) => void (f.hostConfig.Memory = parseSize(v, flag)),
  },
  {
    names: ['--cpus'],
    takesValue: true,
    apply(f, v, flag) {
      if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0)
        throw new ValueError(`${flag} "${v}" is not a positive number of CPUs such as 1.5`);
      f.hostConfig.NanoCpus = Math.round(Number(v) * 1e9);
    },
  },
  { names: ['--ipc'], takesValue: true, apply: (f, v) => void (f.hostConfig.IpcMode = v) },
  { names: ['--pid'], takesValue: true, apply: (f, v) => void (f.hostConfig.PidMode = v) },
  { names: ['--cap-add'], takesValue: true, apply: (f, v) => void (f.hostConfig.CapAdd ??= []).push(v) },
  { names: ['--cap-drop'], takesValue: true, apply: (f, v) => void (f.hostConfig.CapDrop ??= []).push(v) },
  {
    names: ['--add-host'],
    takesValue: true,
    apply(f, v, flag) {
      // host:ip or host=ip; the API takes "host:ip".
      const m = /^([^:=]+)[:=](.+)$/.exec(v);
      if (!m) throw new ValueError(`${flag} "${v}" is not HOST:IP`);
      (f.hostConfig.ExtraHosts ??= []).push(`${m[1]}:${m[2]}`);
    },
  },
  { names: ['--security-opt'], takesValue: true, apply: (f, v) => void (f.hostConfig.SecurityOpt ??= []).push(v) },
  { names: ['--group-add'], takesValue: true, apply: (f, v) => void (f.hostConfig.GroupAdd ??= []).push(v) },
  {
    names: ['--device'],
    takesValue: true,
    apply(f, v, flag) {
      const [onHost, inContainer, perms, extra] = v.split(':');
      if (!onHost || extra !== undefined || (perms !== undefined && !/^[rwm]+$/.test(perms))) {
        throw new ValueError(`${flag} "${v}" is not HOST_PATH[:CONTAINER_PATH[:rwm]]`);
      }
      (f.hostConfig.Devices ??= []).push({
        PathOnHost: onHost,
        PathInContainer: inContainer || onHost,
        CgroupPermissions: perms ?? 'rwm',
      });
    },
  },
  {
    names: ['--tmpfs'],
    takesValue: true,
    apply(f, v, flag) {
      const colon = v.indexOf(':');
      const path = colon < 0 ? v : v.slice(0, colon);
      if (!path.startsWith('/')) throw new ValueError(`${flag} "${v}": the path must be absolute`);
      (f.hostConfig.Tmpfs ??= {})[path] = colon < 0 ? '' : v.slice(colon + 1);
    },
  },
  {
    names: ['--ulimit'],
    takesValue: true,
    apply(f, v, flag) {
      const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v);
      if (!m) throw new ValueError(`${flag} "${v}" is not NAME=SOFT[:HARD]`);
      (f.hostConfig.Ulimits ??= []).push({ Name: m[1]!, Soft: Number(m[2]), Hard: Number(m[3] ?? m[2]) });
    },
  },
];

function groupSpecs(group: FlagGroup, ctx: FlagContext): Spec[] {
  switch (group) {
    case 'volumes':
      return [
        { names: ['-v', '--volume'], takesValue: true, apply: (f, v) => void f.volumes.push(parseVolume(v, ctx)) },
        { names: ['--mount'], takesValue: true, apply: (f, v) => void f.mounts.push(parseMount(v, ctx)) },
      ];
    case 'ports':
      return [{ names: ['-p', '--publish'], takesValue: true, apply: (f, v) => void f.ports.push(...parsePort(v)) }];
    case 'environment':
      return [envSpec(ctx)];
    case 'interactive':
      return interactiveSpecs;
    case 'gpu':
      return [
        { names: ['--gpus'], takesValue: true, apply: (f, v) => void (f.gpus = parseGpus(v)) },
        {
          names: ['--runtime'],
          takesValue: true,
          apply(f, v, flag) {
            // The old NVIDIA Docker 2 spelling; the engine's own device request replaces it.
            if (v !== 'nvidia')
              throw new ValueError(
                `${flag}=${v}: only the nvidia runtime is understood (it becomes a GPU device request)`,
                ['--runtime=nvidia'],
              );
            f.nvidiaRuntime = true;
          },
        },
      ];
    case 'container':
      return containerSpecs;
  }
}

/** Flags with a config key of their own, or that the command owns, when found elsewhere. */
const OWN_KEY_HINTS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['--network', '--net'].map((f) => [f, 'give the network with network=NAME'])),
  ...Object.fromEntries(
    ['--gpus', '--runtime'].map((f) => [
      f,
      'give GPU settings with gpu= (applied only when a GPU is asked for, run-image -g)',
    ]),
  ),
  ...Object.fromEntries(
    ['-i', '-t', '-d', '--interactive', '--tty', '--detach'].map((f) => [f, 'give it with interactive= (-it or -d)']),
  ),
  ...Object.fromEntries(['-v', '--volume', '--mount'].map((f) => [f, 'give volumes with volumes='])),
  ...Object.fromEntries(['-p', '--publish'].map((f) => [f, 'give ports with ports='])),
  ...Object.fromEntries(
    ['-e', '--env'].map((f) => [f, 'give environment variables with environment= or an env section']),
  ),
  '--rm': 'the command decides (run-image removes the container unless -k is given)',
  '--name': 'the command names the container',
};

/** Reads words (already shell-split) as docker run flags of the given groups. */
export function parseRunFlags(words: readonly string[], groups: readonly FlagGroup[], ctx: FlagContext): RunFlags {
  const specs = groups.flatMap((g) => groupSpecs(g, ctx));
  const taken = new Set(specs.flatMap((s) => s.names));
  const hints = Object.fromEntries(Object.entries(OWN_KEY_HINTS).filter(([flag]) => !taken.has(flag)));
  return parseFlags(words, specs, emptyRunFlags(), hints);
}

/**
 * The `interactive` key: -i, -t, -d (and clusters such as -it). dockerutils documents
 * "either -e or -it"; its run-image puts -d (with -k) or -it in that slot, so "-e" is read as
 * the documented spelling of -d: detached.
 */
export function parseInteractive(words: readonly string[]): Interactive {
  const detachAlias: Spec = {
    names: ['-e'],
    takesValue: false,
    apply: (f, v) => void ((f.interactive ??= blankInteractive()).detach = v === 'true'),
  };
  const flags = parseFlags(words, [...interactiveSpecs, detachAlias], emptyRunFlags());
  return flags.interactive ?? blankInteractive();
}

/** The GPU settings of a `gpu` value: the device request, and any other -e it sets. */
export interface GpuSettings {
  request: DeviceRequest;
  env: Record<string, string>;
}

/**
 * The `gpu` key: --gpus …, --runtime=nvidia, -e NVIDIA_VISIBLE_DEVICES=all|0,1 (dockerutils'
 * NVIDIA Docker 2 form), other -e K=V. Always a device request, never a runtime name.
 */
export function parseGpu(words: readonly string[], ctx: FlagContext): GpuSettings {
  const flags = parseRunFlags(words, ['gpu', 'environment'], ctx);
  const request: DeviceRequest = flags.gpus ?? { ...DEFAULT_GPU_REQUEST, Capabilities: [['gpu']] };
  const { NVIDIA_VISIBLE_DEVICES: visible, ...env } = flags.env;
  if (visible !== undefined) {
    if (flags.gpus) {
      throw new ValueError('give the GPUs either with --gpus or with -e NVIDIA_VISIBLE_DEVICES, not both');
    }
    if (visible === 'all') {
      request.Count = -1;
      delete request.DeviceIDs;
    } else if (/^[\w-]+(,[\w-]+)*$/.test(visible) && visible !== 'none' && visible !== 'void') {
      delete request.Count;
      request.DeviceIDs = visible.split(',');
    } else {
      throw new ValueError(`NVIDIA_VISIBLE_DEVICES="${visible}" is not "all" or a list of GPU indexes / UUIDs`, [
        'all',
        '0',
        '0,1',
        'GPU-<uuid>',
      ]);
    }
  }
  return { request, env };
}
