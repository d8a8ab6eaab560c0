// An image's run settings as a container-create request (harpoon's ContainerOptions): data the
// command layer passes to createContainer / runContainer, or renders with --print-command.
import type Docker from 'dockerode';
import type { ContainerOptions } from '../core/container/container.ts';
import type { PortSpec, VolumeSpec } from './run-flags.ts';
import { hostPortText } from '../core/spec/ports.ts';
import type { RunSettings } from './settings.ts';

export interface RequestOptions {
  /** The image reference to run (the catalogue's `reference`). */
  image: string;
  /** Apply the image's GPU settings (run-image -g). Without it, `gpu` is ignored. */
  gpu?: boolean;
  /** Command-line -e values: over the config's (a=b=c keeps b=c: split them with splitKeyValue). */
  env?: Readonly<Record<string, string>>;
  /** Command-line overrides (run-image -c / -n). */
  cmd?: string[];
  network?: string;
  name?: string;
}

export interface ContainerRequest extends ContainerOptions {
  /** `interactive` said -d: start detached (the command decides what that means with -k). */
  detach: boolean;
}

export function bindOf(volume: VolumeSpec): string | undefined {
  if (volume.source === undefined) return undefined;
  return `${volume.source}:${volume.target}${volume.mode ? `:${volume.mode}` : ''}`;
}

/** PortSpec[] → ExposedPorts and PortBindings. */
export function portBindings(ports: readonly PortSpec[]): {
  exposed: Record<string, object>;
  bindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: port.hostIp ?? '', HostPort: hostPortText(port) });
  }
  return { exposed, bindings };
}

export function containerRequest(run: RunSettings, options: RequestOptions): ContainerRequest {
  const hostConfig: Docker.HostConfig = { ...run.hostConfig };
  const binds = run.volumes.map(bindOf).filter((b): b is string => b !== undefined);
  if (binds.length) hostConfig.Binds = binds;
  if (run.mounts.length) hostConfig.Mounts = run.mounts as Docker.MountConfig;
  const { exposed, bindings } = portBindings(run.ports);
  if (run.ports.length) hostConfig.PortBindings = bindings;
  const network = options.network ?? run.network;
  if (network) hostConfig.NetworkMode = network;
  if (options.gpu) hostConfig.DeviceRequests = [structuredClone(run.gpu.request)];

  const extra: Partial<Docker.ContainerCreateOptions> = {};
  const anonymous = run.volumes.filter((v) => v.source === undefined);
  if (anonymous.length) extra.Volumes = Object.fromEntries(anonymous.map((v) => [v.target, {}]));
  if (run.ports.length) extra.ExposedPorts = exposed;
  if (run.hostname) extra.Hostname = run.hostname;

  const env = { ...run.env, ...(options.gpu ? run.gpu.env : {}), ...options.env };
  const cmd = options.cmd ?? run.cmd;
  const interactive = run.interactive;
  return {
    image: options.image,
    ...(cmd ? { cmd } : {}),
    ...(run.entrypoint ? { entrypoint: run.entrypoint } : {}),
    ...(options.name ? { name: options.name } : {}),
    env,
    ...(Object.keys(run.labels).length ? { labels: run.labels } : {}),
    ...(run.workdir ? { workingDir: run.workdir } : {}),
    ...(run.user ? { user: run.user } : {}),
    tty: Boolean(interactive?.tty),
    openStdin: Boolean(interactive?.stdin),
    hostConfig,
    ...(Object.keys(extra).length ? { extra } : {}),
    detach: Boolean(interactive?.detach),
  };
}
