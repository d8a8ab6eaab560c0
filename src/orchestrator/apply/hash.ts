// The config hash: what decides whether an existing container still matches its unit file.
// Compose hashes its whole serialized model, so a tool upgrade that adds a default recreates
// everything; this hash covers only the creation options, normalized (defaults and empties
// dropped, maps sorted), with a version prefix that changes only when the meaning does.
import { createHash } from 'node:crypto';
import type { ContainerSpec, Unit } from '../model.ts';
import { engineNameOf } from './container-options.ts';

const HASH_VERSION = 'h1';

/** Sort map keys, drop undefined, empty strings, empty lists and empty maps, and false. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, normalize(v)] as const)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  if (value === '' || value === false || value === undefined || value === null) return undefined;
  return value;
}

/** The subset that makes the container what it is, with unit names resolved to engine names. */
export function hashInput(unit: Unit, spec: ContainerSpec): unknown {
  const c = spec.creation;
  return normalize({
    image: c.image,
    command: c.command,
    entrypoint: c.entrypoint,
    env: c.env,
    labels: c.labels,
    volumes: c.volumes.map((v) => `${v.kind}:${v.source}:${v.target}:${v.readOnly ? 'ro' : 'rw'}`),
    volumesFrom: c.volumesFrom.map((n) => engineNameOf(unit, n)),
    ports: c.ports.map((p) => `${p.hostIp}:${p.hostPort ?? ''}:${p.containerPort}/${p.protocol}`),
    links: Object.entries(c.links).map(([n, alias]) => `${engineNameOf(unit, n)}:${alias}`),
    networks: c.networks,
    networkMode: c.networkMode?.startsWith('container:')
      ? `container:${engineNameOf(unit, c.networkMode.slice(10))}`
      : c.networkMode,
    workingDir: c.workingDir,
    user: c.user,
    hostname: c.hostname,
    tty: c.tty,
    stdinOpen: c.stdinOpen,
    restart: c.restart === 'no' ? undefined : c.restart,
    memory: c.memory,
  });
}

/** The hash of a container's normalized creation options, stored as its `harpoon.unit.config-hash` label. */
export function configHash(unit: Unit, spec: ContainerSpec): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(hashInput(unit, spec) ?? {}))
    .digest('hex');
  return `${HASH_VERSION}-${digest.slice(0, 16)}`;
}
