// A unit container's spec, as the core's create options: the one place where unit names become
// engine names (volumes_from, links, network_mode and networks point at engine objects).
import type { ContainerOptions } from '../../core/container/container.ts';
import type { Labels } from '../../core/labels.ts';
import { CONFIG_HASH_LABEL, UNIT_CONTAINER_LABEL, UNIT_LABEL, type ContainerSpec, type Unit } from '../model.ts';

/** The engine name of a unit's network. */
export function networkName(unit: string, network: string): string {
  return `${unit}-${network}`;
}

/** Labels every object the orchestrator creates for a unit carries (plus harpoon=true from the core). */
export function unitLabels(unit: string, extra: Labels = {}): Labels {
  return { ...extra, [UNIT_LABEL]: unit };
}

/** The engine name of container `name` as seen from `unit` (an imported one has its own unit's name). */
export function engineNameOf(unit: Unit, name: string): string {
  return unit.containers.get(name)?.engineName ?? `${unit.name}-${name}`;
}

export function containerOptions(
  unit: Unit,
  spec: ContainerSpec,
  hash: string,
  name = spec.engineName,
): ContainerOptions {
  const creation = spec.creation;
  const portKey = (p: { containerPort: number; protocol: string }) => `${p.containerPort}/${p.protocol}`;
  const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const port of creation.ports) {
    (portBindings[portKey(port)] ??= []).push({
      HostIp: port.hostIp,
      HostPort: port.hostPort === undefined ? '' : String(port.hostPort),
    });
  }
  const networkMode = creation.networkMode?.startsWith('container:')
    ? `container:${engineNameOf(unit, creation.networkMode.slice('container:'.length))}`
    : (creation.networkMode ??
      (creation.networks[0] !== undefined ? networkName(spec.unit, creation.networks[0]) : undefined));
  const restart = creation.restart?.split(':');
  const hostConfig = {
    Binds: creation.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`),
    VolumesFrom: creation.volumesFrom.map((other) => engineNameOf(unit, other)),
    PortBindings: portBindings,
    Links: Object.entries(creation.links).map(([other, alias]) => `${engineNameOf(unit, other)}:${alias}`),
    ...(networkMode ? { NetworkMode: networkMode } : {}),
    ...(restart
      ? { RestartPolicy: { Name: restart[0]!, ...(restart[1] ? { MaximumRetryCount: Number(restart[1]) } : {}) } }
      : {}),
    ...(creation.memory !== undefined ? { Memory: creation.memory } : {}),
  };
  return {
    image: creation.image,
    name,
    ...(creation.command ? { cmd: creation.command } : {}),
    ...(creation.entrypoint ? { entrypoint: creation.entrypoint } : {}),
    env: creation.env,
    labels: {
      ...creation.labels,
      [UNIT_LABEL]: spec.unit,
      [UNIT_CONTAINER_LABEL]: spec.name,
      [CONFIG_HASH_LABEL]: hash,
    },
    ...(creation.workingDir ? { workingDir: creation.workingDir } : {}),
    ...(creation.user ? { user: creation.user } : {}),
    tty: creation.tty,
    openStdin: creation.stdinOpen,
    // Started detached: stdin stays open for later clients (docker run -dit).
    stdinOnce: false,
    hostConfig,
    extra: {
      ...(creation.hostname ? { Hostname: creation.hostname } : {}),
      ...(creation.ports.length
        ? { ExposedPorts: Object.fromEntries(creation.ports.map((p) => [portKey(p), {}])) }
        : {}),
    },
  };
}
