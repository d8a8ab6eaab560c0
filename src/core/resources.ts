// Named volumes and user-defined networks. harpoon creates them with its label, hands back
// the one it made before when asked again, and never adopts (or removes) one without the label.
import type { Engine } from './engine.ts';
import { EngineError, ForeignResourceError, ResourceNotFoundError } from './errors.ts';
import { managedLabels, MANAGED_LABEL, MANAGED_VALUE, type Labels } from './labels.ts';
import { readBody } from './transport.ts';

/** The engine's `GET /volumes/{name}`, the fields harpoon relies on typed. */
export interface VolumeInfo {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels: Labels;
  Scope: string;
  CreatedAt?: string;
  Options?: Record<string, string> | null;
  [field: string]: unknown;
}

/** The engine's `GET /networks/{id}`, the fields harpoon relies on typed. */
export interface NetworkInfo {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Internal: boolean;
  Labels: Labels;
  Created?: string;
  [field: string]: unknown;
}

/** A volume to create: name, labels, driver and its options. */
export interface VolumeOptions {
  name: string;
  /** Labels; the managed `harpoon` label is always added. */
  labels?: Labels;
  /** Volume driver (default "local") and its options. */
  driver?: string;
  driverOpts?: Record<string, string>;
  signal?: AbortSignal;
}

/** A network to create: name, labels, internal, driver. */
export interface NetworkOptions {
  name: string;
  /** Labels; the managed `harpoon` label is always added. */
  labels?: Labels;
  /** No route to the outside (docker network create --internal). */
  internal?: boolean;
  /** Network driver (default "bridge"). */
  driver?: string;
  signal?: AbortSignal;
}

const isManaged = (labels: Labels | null | undefined) => labels?.[MANAGED_LABEL] === MANAGED_VALUE;
const json = { 'Content-Type': 'application/json' };

async function getJson<T>(engine: Engine, path: string, action: string, signal?: AbortSignal): Promise<T> {
  const res = await engine.request({ method: 'GET', path, ...(signal ? { signal } : {}) }, { action });
  return JSON.parse(await readBody(res)) as T;
}

const notFound = (err: unknown) => err instanceof EngineError && err.statusCode === 404;

/** A volume by name; ResourceNotFoundError if there is none. */
export async function inspectVolume(engine: Engine, name: string, signal?: AbortSignal): Promise<VolumeInfo> {
  try {
    const info = await getJson<VolumeInfo>(
      engine,
      `/volumes/${encodeURIComponent(name)}`,
      `Inspecting the volume ${name}`,
      signal,
    );
    return { ...info, Labels: info.Labels ?? {} };
  } catch (err) {
    if (notFound(err)) throw new ResourceNotFoundError('volume', name);
    throw err;
  }
}

/**
 * Create a labelled volume, or return it if harpoon made it before. The engine's create answers
 * with the existing volume when the name is taken, so its labels tell whose it is.
 */
export async function createVolume(engine: Engine, options: VolumeOptions): Promise<VolumeInfo> {
  const res = await engine.request(
    {
      method: 'POST',
      path: '/volumes/create',
      headers: json,
      body: JSON.stringify({
        Name: options.name,
        Labels: managedLabels(options.labels),
        ...(options.driver ? { Driver: options.driver } : {}),
        ...(options.driverOpts ? { DriverOpts: options.driverOpts } : {}),
      }),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    { action: `Creating the volume ${options.name}` },
  );
  const volume = JSON.parse(await readBody(res)) as VolumeInfo;
  if (!isManaged(volume.Labels)) throw new ForeignResourceError('volume', options.name);
  return { ...volume, Labels: volume.Labels ?? {} };
}

/** Remove a volume harpoon made; a foreign one is refused, a missing one is fine with `ifExists`. */
export async function removeVolume(
  engine: Engine,
  name: string,
  options: { ifExists?: boolean; force?: boolean } = {},
): Promise<void> {
  let volume: VolumeInfo;
  try {
    volume = await inspectVolume(engine, name);
  } catch (err) {
    if (options.ifExists && err instanceof ResourceNotFoundError) return;
    throw err;
  }
  if (!isManaged(volume.Labels)) throw new ForeignResourceError('volume', name);
  try {
    const res = await engine.request(
      { method: 'DELETE', path: `/volumes/${encodeURIComponent(name)}${options.force ? '?force=1' : ''}` },
      { action: `Removing the volume ${name}` },
    );
    await readBody(res);
  } catch (err) {
    if (notFound(err)) {
      if (options.ifExists) return;
      throw new ResourceNotFoundError('volume', name);
    }
    throw err;
  }
}

/** The network with exactly this name (GET /networks/{x} would also match an id prefix). */
async function findNetwork(engine: Engine, name: string, signal?: AbortSignal): Promise<NetworkInfo | undefined> {
  const filters = encodeURIComponent(JSON.stringify({ name: [name] }));
  const found = await getJson<NetworkInfo[]>(
    engine,
    `/networks?filters=${filters}`,
    `Looking up the network ${name}`,
    signal,
  );
  const match = found.find((n) => n.Name === name);
  return match ? { ...match, Labels: match.Labels ?? {} } : undefined;
}

/** A network by name; ResourceNotFoundError if there is none. */
export async function inspectNetwork(engine: Engine, name: string, signal?: AbortSignal): Promise<NetworkInfo> {
  const network = await findNetwork(engine, name, signal);
  if (!network) throw new ResourceNotFoundError('network', name);
  return network;
}

/** Create a labelled network, or return it if harpoon made it before; a foreign one of that name is refused. */
export async function createNetwork(engine: Engine, options: NetworkOptions): Promise<NetworkInfo> {
  const signal = options.signal ? { signal: options.signal } : {};
  for (let attempt = 0; ; attempt++) {
    const existing = await findNetwork(engine, options.name, options.signal);
    if (existing) {
      if (!isManaged(existing.Labels)) throw new ForeignResourceError('network', options.name);
      return existing;
    }
    try {
      const res = await engine.request(
        {
          method: 'POST',
          path: '/networks/create',
          headers: json,
          body: JSON.stringify({
            Name: options.name,
            CheckDuplicate: true,
            Driver: options.driver ?? 'bridge',
            Internal: Boolean(options.internal),
            Labels: managedLabels(options.labels),
          }),
          ...signal,
        },
        { action: `Creating the network ${options.name}` },
      );
      const { Id } = JSON.parse(await readBody(res)) as { Id: string };
      const created = await getJson<NetworkInfo>(
        engine,
        `/networks/${Id}`,
        `Inspecting the network ${options.name}`,
        options.signal,
      );
      return { ...created, Labels: created.Labels ?? {} };
    } catch (err) {
      // 409: made by someone else between the look-up and the create; look again (once).
      if (err instanceof EngineError && err.statusCode === 409 && attempt === 0) continue;
      throw err;
    }
  }
}

/** Remove a network harpoon made; a foreign one is refused, a missing one is fine with `ifExists`. */
export async function removeNetwork(engine: Engine, name: string, options: { ifExists?: boolean } = {}): Promise<void> {
  const network = await findNetwork(engine, name);
  if (!network) {
    if (options.ifExists) return;
    throw new ResourceNotFoundError('network', name);
  }
  if (!isManaged(network.Labels)) throw new ForeignResourceError('network', name);
  try {
    const res = await engine.request(
      { method: 'DELETE', path: `/networks/${network.Id}` },
      { action: `Removing the network ${name}` },
    );
    await readBody(res);
  } catch (err) {
    if (notFound(err) && options.ifExists) return;
    throw err;
  }
}
