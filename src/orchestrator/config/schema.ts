// The composition document (document 1 of a command file) checked against docs/units-format.md and turned
// into ContainerSpecs. Two steps, so imports can merge between them: readComposition() reads each
// container's sections as located values (Definition → Sections), toContainerSpec() checks and
// converts them. Every error is a UnitConfigError at the file, line and key where the bad value
// was written, which for an imported section is the imported unit's file.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { shellWords } from '../../core/spec/shell-words.ts';
import { parseSize } from '../../core/spec/sizes.ts';
import { type PortMapping, parsePortMappings } from '../../core/spec/ports.ts';
import { ValueError } from '../../core/spec/value-error.ts';
import type {
  BuildSpec,
  Check,
  ContainerSpec,
  CreationSpec,
  PortSpec,
  Source,
  StartupSpec,
  VolumeSpec,
} from '../model.ts';
import { UnitConfigError } from './errors.ts';
import {
  bool,
  entries,
  fail,
  int,
  isNull,
  items,
  kindOf,
  knownEntries,
  scalarText,
  str,
  strList,
  type Entry,
  type Val,
} from './yaml-read.ts';

/** Names of units, containers, networks, named volumes and variants. */
export const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const CONTAINER_KEYS = ['build', 'image', 'import', 'creation', 'startup', 'checks', 'after'] as const;
export const BUILD_KEYS = ['path', 'dockerfile', 'tag', 'args', 'labels', 'target'] as const;
export const CREATION_KEYS = [
  'command',
  'entrypoint',
  'environment',
  'labels',
  'volumes',
  'volumes_from',
  'ports',
  'links',
  'networks',
  'network_mode',
  'working_dir',
  'user',
  'hostname',
  'tty',
  'stdin_open',
  'restart',
  'memory',
] as const;
export const STARTUP_KEYS = ['wait_log', 'wait_healthy', 'wait_exit', 'timeout'] as const;
export const DAEMON_CHECK_KEYS = ['name', 'type', 'port', 'url', 'path', 'status', 'body', 'timeout'] as const;
export const JOB_CHECK_KEYS = ['name', 'type', 'exit_code', 'log', 'timeout'] as const;
/** The sections `import:` may be combined with (merged over the imported container's). */
export const IMPORT_OVERRIDES = ['creation', 'startup', 'checks', 'after'] as const;

export const DEFAULT_STARTUP_TIMEOUT = 60;
export const DEFAULT_CHECK_TIMEOUT = 30;

/** One container as written in one file, sections not yet read. */
export interface Definition {
  name: string;
  /** The unit whose file this is. */
  unit: string;
  val: Val;
  keys: Map<string, Entry>;
}

/** A creation or startup key with the unit whose file wrote it (named volumes are per writer). */
export interface SectionEntry extends Entry {
  unit: string;
}

/** A container's sections after imports are merged: what toContainerSpec() reads. */
export interface Sections {
  /** The name in the loaded unit. */
  name: string;
  /** The unit that defines it: the loaded one, or the imported one. */
  unit: string;
  /** Its name in that unit (engine name `<unit>-<baseName>`). */
  baseName: string;
  build?: Val;
  image?: Val;
  creation: Map<string, SectionEntry>;
  startup: Map<string, SectionEntry>;
  checks?: Val;
  after?: Val;
  /** Where the definition is (the imported file's, for an import). */
  source: Source;
  /** Where it is written in the loaded unit's file. */
  written: Source;
  importedFrom?: string;
}

export function checkName(v: Pick<Val, 'yf' | 'line' | 'path'>, name: string, what: string): void {
  if (!NAME.test(name))
    fail(
      v,
      `${JSON.stringify(name)} is not a valid ${what} name (letters, digits, _ . -, starting with a letter or digit)`,
    );
}

/** Document 1: container name → definition. `host` is reserved for host orders. */
export function readComposition(root: Val, unit: string): Map<string, Definition> {
  const out = new Map<string, Definition>();
  for (const e of entries(root, 'a map of container name → definition')) {
    const at = { ...e.value, line: e.keyLine };
    checkName(at, e.key, 'container');
    if (e.key === 'host') fail(at, '"host" is reserved for orders run on this machine; name the container otherwise');
    const keys = knownEntries(
      { ...e.value, line: e.value.node ? e.value.line : e.keyLine },
      CONTAINER_KEYS,
      'a map of container sections',
    );
    const sources = ['build', 'image', 'import'].filter((k) => keys.has(k));
    if (sources.length !== 1) {
      fail(
        at,
        sources.length === 0
          ? 'needs one of build (an image built from a folder or lines), image (an image on the engine) or import (unit/container)'
          : `has ${sources.join(' and ')}: write exactly one of build, image or import`,
      );
    }
    out.set(e.key, { name: e.key, unit, val: at, keys });
  }
  return out;
}

/** The sections of a definition without an import. */
export function sectionsOf(def: Definition): Sections {
  const section = (key: string, valid: readonly string[]): Map<string, SectionEntry> => {
    const e = def.keys.get(key);
    const out = new Map<string, SectionEntry>();
    if (e)
      for (const [k, entry] of knownEntries(e.value, valid, `a map of ${key} options`))
        out.set(k, { ...entry, unit: def.unit });
    return out;
  };
  const source = { file: def.val.yf.file, line: def.val.line };
  return {
    name: def.name,
    unit: def.unit,
    baseName: def.name,
    build: def.keys.get('build')?.value,
    image: def.keys.get('image')?.value,
    creation: section('creation', CREATION_KEYS),
    startup: section('startup', STARTUP_KEYS),
    checks: def.keys.get('checks')?.value,
    after: def.keys.get('after')?.value,
    source,
    written: source,
  };
}

export interface SpecContext {
  confDir: string;
  /** The containers of the loaded unit: what references may name. */
  containerNames: readonly string[];
  /** The loaded unit (for "not a container of unit X" messages). */
  unit: string;
}

export function toContainerSpec(s: Sections, ctx: SpecContext): ContainerSpec {
  const engineName = `${s.unit}-${s.baseName}`;
  const build = s.build ? readBuild(s.build, s, ctx) : undefined;
  const image = build ? build.tag : readImage(s.image!);
  const creation = readCreation(s, image, engineName, ctx);
  const spec: ContainerSpec = {
    name: s.name,
    unit: s.unit,
    engineName,
    ...(build ? { build } : {}),
    creation,
    startup: readStartup(s.startup),
    checks: s.checks ? readChecks(s.checks, creation) : [],
    after: s.after ? references(s.after, s.name, ctx) : [],
    source: s.source,
    ...(s.importedFrom ? { importedFrom: s.importedFrom } : {}),
  };
  return spec;
}

function readImage(v: Val): string {
  const image = str(v, 'an image name');
  if (!image || /\s/.test(image)) fail(v, `${JSON.stringify(image)} is not an image name (e.g. "nginx:1.27")`);
  return image;
}

function readBuild(v: Val, s: Sections, ctx: SpecContext): BuildSpec {
  const keys = knownEntries(v, BUILD_KEYS, 'a map of build options');
  const dockerfileVal = keys.get('dockerfile')?.value;
  let dockerfile: string[] | undefined;
  if (dockerfileVal) {
    // A list of lines, or one block string (`dockerfile: |`).
    dockerfile =
      kindOf(dockerfileVal) === 'scalar'
        ? str(dockerfileVal).split('\n')
        : strList(dockerfileVal, 'a list of Dockerfile lines');
    while (dockerfile.length && dockerfile[dockerfile.length - 1] === '') dockerfile.pop();
    if (!dockerfile.length) fail(dockerfileVal, 'the Dockerfile has no lines');
  }
  let path: string | undefined;
  const pathVal = keys.get('path')?.value;
  if (pathVal) {
    const written = str(pathVal, 'a folder of the config directory');
    path = resolve(ctx.confDir, written);
    if (!isDir(path))
      fail(
        pathVal,
        `the build folder ${path} does not exist (build.path is relative to the config directory ${ctx.confDir})`,
      );
    if (!dockerfile && !existsSync(join(path, 'Dockerfile'))) {
      fail(pathVal, `${path} holds no Dockerfile; add one, or write its lines in build.dockerfile`);
    }
  }
  if (!path && !dockerfile) fail(v, 'build needs path (a folder with a Dockerfile) or dockerfile (its lines), or both');
  const tagVal = keys.get('tag')?.value;
  const tag = tagVal ? str(tagVal, 'an image name') : `${s.unit}-${s.baseName}:latest`.toLowerCase();
  if (tagVal && (!tag || /\s/.test(tag)))
    fail(tagVal, `${JSON.stringify(tag)} is not an image name (e.g. "site-data:1")`);
  const args: Record<string, string> = {};
  const argsVal = keys.get('args')?.value;
  if (argsVal) for (const e of entries(argsVal, 'a map of build arguments')) args[e.key] = scalarText(e.value);
  const labels: Record<string, string> = {};
  const labelsVal = keys.get('labels')?.value;
  if (labelsVal) for (const e of entries(labelsVal, 'a map of image labels')) labels[e.key] = scalarText(e.value);
  const targetVal = keys.get('target')?.value;
  return {
    ...(path ? { path } : {}),
    ...(dockerfile ? { dockerfile } : {}),
    tag,
    args,
    labels,
    ...(targetVal ? { target: str(targetVal, 'a stage name') } : {}),
  };
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A list, or a string split as a shell would (quotes, backslashes). */
export function words(v: Val, what = 'a list of words or a command line'): string[] {
  if (kindOf(v) !== 'scalar') return strList(v, what);
  const text = str(v, what);
  try {
    return shellWords(text);
  } catch (err) {
    if (err instanceof ValueError) fail(v, `cannot split ${JSON.stringify(text)} into words: ${err.message}`);
    throw err;
  }
}

/** `{K: V}` or `[K=V, ...]`. */
export function keyValues(v: Val, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (kindOf(v) === 'list') {
    for (const item of items(v)) {
      const text = str(item, 'KEY=value');
      const eq = text.indexOf('=');
      if (eq <= 0) fail(item, `${JSON.stringify(text)} is not KEY=value`);
      out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  for (const e of entries(v, `a map of ${what} or a list of KEY=value`)) out[e.key] = scalarText(e.value);
  return out;
}

function references(v: Val, self: string, ctx: SpecContext): string[] {
  return items(v, 'a list of container names').map((item) => reference(item, str(item, 'a container name'), self, ctx));
}

function reference(v: Val, name: string, self: string, ctx: SpecContext): string {
  if (name === self) fail(v, `${self} cannot refer to itself`);
  if (!ctx.containerNames.includes(name))
    fail(v, `"${name}" is not a container of unit ${ctx.unit}`, ctx.containerNames);
  return name;
}

function readCreation(s: Sections, image: string, engineName: string, ctx: SpecContext): CreationSpec {
  const c = s.creation;
  const get = (k: string) => c.get(k)?.value;
  const creation: CreationSpec = {
    image,
    env: {},
    labels: {},
    volumes: [],
    volumesFrom: [],
    ports: [],
    links: {},
    networks: [],
    tty: false,
    stdinOpen: false,
  };
  const opt = <T>(k: string, read: (v: Val) => T, set: (x: T) => void) => {
    const v = get(k);
    if (v && !isNull(v)) set(read(v));
  };
  opt(
    'command',
    (v) => words(v),
    (x) => (creation.command = x),
  );
  opt(
    'entrypoint',
    (v) => words(v),
    (x) => (creation.entrypoint = x),
  );
  opt(
    'environment',
    (v) => keyValues(v, 'environment variables'),
    (x) => (creation.env = x),
  );
  opt(
    'labels',
    (v) => keyValues(v, 'labels'),
    (x) => (creation.labels = x),
  );
  opt(
    'volumes',
    (v) => readVolumes(v, engineName, c.get('volumes')!.unit),
    (x) => (creation.volumes = x),
  );
  opt(
    'volumes_from',
    (v) => references(v, s.name, ctx),
    (x) => (creation.volumesFrom = x),
  );
  opt(
    'ports',
    (v) => items(v, 'a list of port mappings').map(readPort),
    (x) => (creation.ports = x),
  );
  opt(
    'links',
    (v) => readLinks(v, s.name, ctx),
    (x) => (creation.links = x),
  );
  opt(
    'networks',
    (v) =>
      items(v, 'a list of network names').map((item) => {
        const n = str(item, 'a network name');
        checkName(item, n, 'network');
        return n;
      }),
    (x) => (creation.networks = x),
  );
  opt(
    'network_mode',
    (v) => readNetworkMode(v, s.name, ctx),
    (x) => (creation.networkMode = x),
  );
  opt(
    'working_dir',
    (v) => {
      const dir = str(v, 'a folder');
      if (!dir.startsWith('/')) fail(v, `${JSON.stringify(dir)} is not an absolute path in the container`);
      return dir;
    },
    (x) => (creation.workingDir = x),
  );
  opt(
    'user',
    (v) => str(v, 'a user (name or id, optionally :group)'),
    (x) => (creation.user = x),
  );
  opt(
    'hostname',
    (v) => str(v, 'a host name'),
    (x) => (creation.hostname = x),
  );
  opt('tty', bool, (x) => (creation.tty = x));
  opt('stdin_open', bool, (x) => (creation.stdinOpen = x));
  opt('restart', readRestart, (x) => (creation.restart = x));
  opt('memory', readMemory, (x) => (creation.memory = x));
  if (creation.networkMode && creation.networks.length) {
    fail(get('networks')!, `networks cannot be combined with network_mode ${creation.networkMode}`);
  }
  return creation;
}

const PORT_HELP = 'write HOST_IP:HOST_PORT:CONTAINER_PORT, e.g. "127.0.0.1::80", "8080:80" or "127.0.0.1:8080:80/udp"';

/** Core's port parser, narrowed to what units publish: one port, tcp or udp, 127.0.0.1 unless written. */
export function readPort(v: Val): PortSpec {
  const text = scalarText(v, 'a port mapping');
  const bad = (why: string): never => fail(v, `${JSON.stringify(text)} is not a port mapping: ${why}; ${PORT_HELP}`);
  let mappings: PortMapping[];
  try {
    mappings = parsePortMappings(text);
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    return bad(err.message.replace(/^"[^"]*"(: )?/, '') || 'not [IP:][HOST:]CONTAINER[/PROTO]');
  }
  const [m] = mappings;
  if (mappings.length !== 1 || !m || m.hostPortEnd !== undefined) return bad('ranges are not supported in units');
  if (m.protocol === 'sctp') return bad('units publish tcp or udp');
  if (m.hostIp === '') return bad('write the host address, or leave it out for 127.0.0.1');
  return {
    hostIp: m.hostIp ?? '127.0.0.1',
    ...(m.hostPort !== undefined ? { hostPort: m.hostPort } : {}),
    containerPort: m.containerPort,
    protocol: m.protocol,
  };
}

/** Bare absolute path → unit volume; NAME:/path → named unit volume; /host:/path → bind. */
export function readVolumes(v: Val, engineName: string, writerUnit: string): VolumeSpec[] {
  const out: VolumeSpec[] = [];
  for (const item of items(v, 'a list of volumes')) {
    const text = str(item, 'a volume');
    const bad = (why: string): never =>
      fail(
        item,
        `${JSON.stringify(text)} ${why}; write /container/path (a unit volume), NAME:/container/path (a named unit volume) or /host/path:/container/path, each optionally :ro`,
      );
    const parts = text.split(':');
    let readOnly = false;
    if (parts.length > 1 && (parts[parts.length - 1] === 'ro' || parts[parts.length - 1] === 'rw')) {
      readOnly = parts.pop() === 'ro';
    }
    let spec: VolumeSpec;
    if (parts.length === 1) {
      const target = parts[0]!;
      if (!target.startsWith('/')) bad('is not an absolute container path');
      const slug = target.replace(/[^A-Za-z0-9_.]+/g, '-').replace(/^-+|-+$/g, '');
      if (!slug) bad('names no folder (the root cannot be a volume)');
      spec = { source: `${engineName}-${slug}`, target, readOnly, kind: 'volume' };
    } else if (parts.length === 2) {
      const [source, target] = parts as [string, string];
      if (!target.startsWith('/')) bad('has a container path that is not absolute');
      if (source.startsWith('/')) spec = { source, target, readOnly, kind: 'bind' };
      else if (NAME.test(source) && !source.includes('/') && !source.startsWith('.'))
        spec = { source: `${writerUnit}-${source}`, target, readOnly, kind: 'volume' };
      else spec = bad('has a relative host path (host paths must be absolute)');
    } else {
      spec = bad('has too many ":"');
    }
    if (out.some((o) => o.target === spec.target)) fail(item, `${spec.target} is mounted twice`);
    out.push(spec);
  }
  return out;
}

function readLinks(v: Val, self: string, ctx: SpecContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items(v, 'a list of links (container or container:alias)')) {
    const text = str(item, 'a link (container or container:alias)');
    const [name, alias = name, extra] = text.split(':');
    if (extra !== undefined || !name || !NAME.test(alias))
      fail(item, `${JSON.stringify(text)} is not a link; write CONTAINER or CONTAINER:ALIAS`);
    out[reference(item, name, self, ctx)] = alias;
  }
  return out;
}

function readNetworkMode(v: Val, self: string, ctx: SpecContext): string {
  const mode = str(v, 'a network mode');
  if (mode === 'none' || mode === 'host' || mode === 'bridge') return mode;
  if (mode.startsWith('container:')) {
    reference(v, mode.slice('container:'.length), self, ctx);
    return mode;
  }
  return fail(v, `${JSON.stringify(mode)} is not a network mode`, ['none', 'host', 'bridge', 'container:NAME']);
}

const RESTART = /^(no|always|unless-stopped|on-failure(:[0-9]+)?)$/;
function readRestart(v: Val): string {
  const text = str(v, 'a restart policy');
  if (!RESTART.test(text))
    fail(v, `${JSON.stringify(text)} is not a restart policy`, [
      'no',
      'always',
      'unless-stopped',
      'on-failure',
      'on-failure:N',
    ]);
  return text;
}

export function readMemory(v: Val): number {
  const text = scalarText(v, 'a memory size');
  const bytes = parseSize(text); // core's one size parser; this message names the unit field
  if (bytes === undefined || !(bytes > 0))
    fail(
      v,
      `${JSON.stringify(text)} is not a memory size; write bytes or a number with k, m or g, e.g. "256m" or "1g"`,
    );
  return bytes;
}

function regex(v: Val, what: string): string {
  const text = str(v, what);
  try {
    new RegExp(text);
  } catch (err) {
    fail(v, `${JSON.stringify(text)} is not a valid regular expression: ${(err as Error).message}`);
  }
  return text;
}

function readStartup(entries: Map<string, SectionEntry>): StartupSpec {
  const get = (k: string) => entries.get(k)?.value;
  const startup: StartupSpec = { waitHealthy: false, timeoutSeconds: DEFAULT_STARTUP_TIMEOUT };
  const waitLog = get('wait_log');
  if (waitLog) startup.waitLog = regex(waitLog, 'a regular expression');
  const healthy = get('wait_healthy');
  if (healthy) startup.waitHealthy = bool(healthy);
  const exit = get('wait_exit');
  if (exit) startup.waitExit = int(exit, 0, 255, 'an exit code');
  const timeout = get('timeout');
  if (timeout) startup.timeoutSeconds = int(timeout, 1, Number.MAX_SAFE_INTEGER, 'a number of seconds');
  if (startup.waitHealthy && startup.waitExit !== undefined) {
    fail(exit!, 'wait_exit (a job that ends) cannot be combined with wait_healthy (a service that keeps running)');
  }
  return startup;
}

function readChecks(v: Val, creation: CreationSpec): Check[] {
  const checks: Check[] = [];
  for (const item of items(v, 'a list of checks')) {
    const all = entries(item, 'a check (a map with name and type)');
    const typeEntry = all.find((e) => e.key === 'type');
    if (!typeEntry) fail(item, 'a check needs type: daemon (an HTTP request) or job (a container that exits)');
    const type = str(typeEntry.value, 'a check type');
    if (type !== 'daemon' && type !== 'job')
      fail(typeEntry.value, `${JSON.stringify(type)} is not a check type`, ['daemon', 'job']);
    const keys = knownEntries(item, type === 'daemon' ? DAEMON_CHECK_KEYS : JOB_CHECK_KEYS, 'a check');
    const get = (k: string) => keys.get(k)?.value;
    const nameVal = get('name');
    if (!nameVal) fail(item, 'a check needs a name (the order `check: NAME` runs it)');
    const name = str(nameVal, 'a check name');
    checkName(nameVal, name, 'check');
    if (checks.some((c) => c.name === name)) fail(nameVal, `a second check named "${name}"`);
    const timeoutVal = get('timeout');
    const timeoutSeconds = timeoutVal
      ? int(timeoutVal, 1, Number.MAX_SAFE_INTEGER, 'a number of seconds')
      : DEFAULT_CHECK_TIMEOUT;
    const source = { file: item.yf.file, line: item.line };
    if (type === 'job') {
      const exitVal = get('exit_code');
      const logVal = get('log');
      checks.push({
        kind: 'job',
        name,
        exitCode: exitVal ? int(exitVal, 0, 255, 'an exit code') : 0,
        ...(logVal ? { log: regex(logVal, 'a regular expression') } : {}),
        timeoutSeconds,
        source,
      });
      continue;
    }
    const portVal = get('port');
    const urlVal = get('url');
    if (!portVal === !urlVal)
      fail(item, 'a daemon check needs either port (a published container port) or url, not both');
    let port: number | undefined;
    let url: string | undefined;
    if (portVal) {
      port = int(portVal, 1, 65535, 'a port');
      const published = creation.ports.some((p) => p.containerPort === port && p.protocol === 'tcp');
      if (!published && creation.networkMode !== 'host') {
        fail(
          portVal,
          `container port ${port} is not published; add it to creation.ports (e.g. "127.0.0.1::${port}")`,
          creation.ports.map((p) => String(p.containerPort)),
        );
      }
    } else {
      url = str(urlVal!, 'a URL');
      let ok = false;
      try {
        ok = /^https?:$/.test(new URL(url).protocol);
      } catch {
        ok = false;
      }
      if (!ok) fail(urlVal!, `${JSON.stringify(url)} is not an http:// or https:// URL`);
      if (get('path')) fail(get('path')!, 'path goes with port; with url, write the path in the URL');
    }
    const pathVal = get('path');
    const path = pathVal ? str(pathVal, 'a URL path') : '/';
    if (!path.startsWith('/')) fail(pathVal!, `${JSON.stringify(path)} is not a path starting with "/"`);
    const statusVal = get('status');
    const bodyVal = get('body');
    checks.push({
      kind: 'daemon',
      name,
      ...(url ? { url } : {}),
      ...(port !== undefined ? { port } : {}),
      path,
      status: statusVal ? int(statusVal, 100, 599, 'an HTTP status') : 200,
      ...(bodyVal ? { body: regex(bodyVal, 'a regular expression') } : {}),
      timeoutSeconds,
      source,
    });
  }
  return checks;
}

/** Dependency edges (after, volumes_from, links, network_mode container:X) must not form a cycle. */
export function checkCycles(specs: Map<string, ContainerSpec>, written: Map<string, Source>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      const at = written.get(cycle[0]!)!;
      throw new UnitConfigError(
        { file: at.file, line: at.line, key: cycle[0] },
        `the containers depend on each other in a cycle: ${cycle.join(' → ')} (through after, volumes_from, links and network_mode container:NAME); remove one of these references`,
      );
    }
    state.set(name, 'visiting');
    stack.push(name);
    const spec = specs.get(name);
    if (spec) for (const d of dependenciesOf(spec)) visit(d);
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of specs.keys()) visit(name);
}

/** The dependencies of each container, for start order. */
export function dependenciesOf(spec: ContainerSpec): string[] {
  const c = spec.creation;
  const out = [...spec.after, ...c.volumesFrom, ...Object.keys(c.links)];
  if (c.networkMode?.startsWith('container:')) out.push(c.networkMode.slice('container:'.length));
  return [...new Set(out)];
}
