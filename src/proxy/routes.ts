// The route table: container name → where to send its traffic and what state it is in.
// Kept current from the engine's events stream (start, die, destroy, rename, health, ...)
// so that a request costs no engine round-trip in the steady state; a name not in the table
// gets one inspect (and a short negative cache, so a flood of bad names stays cheap).
import type Docker from 'dockerode';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import type { Harpoon } from '../core/client.ts';
import { ContainerNotFoundError } from '../core/errors.ts';
import { MANAGED_LABEL, MANAGED_VALUE, type Labels } from '../core/labels.ts';
import { LAUNCHER_LABEL, launcherFilter, PORT_LABEL } from '../launcher/labels.ts';
import { appUrl, pickBinding } from '../launcher/ports.ts';
import { isContainerName } from './routing.ts';

/** A routable container as the proxy knows it: where it is published, its state, its labels. */
export interface Route {
  id: string;
  name: string;
  /** The engine's State.Status: created, running, paused, restarting, removing, exited, dead. */
  status: string;
  /** The healthcheck's status, when the container has one. */
  health?: string;
  exitCode: number;
  oomKilled: boolean;
  /** The engine's error for a container that could not start. */
  error?: string;
  startedAt: Date;
  containerPort: number;
  /** The published origin, e.g. http://127.0.0.1:49153; undefined while not published. */
  upstream?: string;
  /** Last request through this proxy. */
  lastActivity?: Date;
  requests: number;
  /** The container's labels (for authorization hooks: e.g. `harpoon.owner`). */
  labels: Labels;
  /** Whether the container has a pseudoterminal (its logs are then not multiplexed). */
  tty: boolean;
  /** Started by the launcher (else routed by `routeLabels` or `unmanaged`). */
  launched: boolean;
}

/** The label that names the port of a container routed by label (else its published port). */
export const ROUTE_PORT_LABEL = 'harpoon.route.port';

/** Which containers a RouteTable routes. */
export interface RouteTableOptions {
  /** Labels to require besides the launcher's own, e.g. to serve only one launcher's containers. */
  labels?: Labels;
  /** Host name for upstream URLs instead of the one the endpoint implies. */
  urlHost?: string;
  /** How long a failed look-up is remembered (default 1000 ms; events clear it early). */
  negativeTtlMs?: number;
  /**
   * Also route containers that carry all these labels, though the launcher did not start
   * them (e.g. `docker run -l harpoon.route=true ...`): an opt-in their owner makes.
   */
  routeLabels?: Labels;
  /** Route every container that publishes a port: only on a trusted, single-user machine. */
  unmanaged?: boolean;
}

const WATCHED = [
  'create',
  'start',
  'restart',
  'die',
  'stop',
  'kill',
  'pause',
  'unpause',
  'destroy',
  'rename',
  'health_status',
  'oom',
];

/** Container name → route, kept current from the engine's events (`proxy.routes`). */
export class RouteTable extends EventEmitter {
  readonly #client: Harpoon;
  readonly #options: RouteTableOptions;
  readonly #byName = new Map<string, Route>();
  readonly #nameById = new Map<string, string>();
  readonly #missed = new Map<string, number>();
  /** One inspect in flight per id; a later event while it runs asks for one more. */
  readonly #refreshing = new Map<string, { pending: Promise<void>; again: boolean }>();
  #events?: IncomingMessage;
  #synced = false;
  #closed = false;
  #retryTimer?: NodeJS.Timeout;
  #retryMs = 250;

  constructor(client: Harpoon, options: RouteTableOptions = {}) {
    super();
    this.#client = client;
    this.#options = options;
  }

  /** Whether the events stream is connected (else every miss and hit goes to the engine). */
  get synced(): boolean {
    return this.#synced;
  }

  /** Only launched containers: the engine filters; with routeLabels or unmanaged, #routable does. */
  #labelFilters(): string[] {
    if (this.#options.unmanaged || this.#options.routeLabels)
      return Object.entries(this.#options.labels ?? {}).map(([k, v]) => `${k}=${v}`);
    return launcherFilter(this.#options.labels);
  }

  /** Subscribe to events first, then load every routable container, so nothing falls between. */
  async start(): Promise<void> {
    await this.#subscribe();
    const label = this.#labelFilters();
    const found = await this.#client.docker.listContainers({
      all: true,
      filters: JSON.stringify(label.length ? { label } : {}),
    });
    // After a reconnect, whatever went while we were not listening goes from the table too.
    const present = new Set(found.map((c) => c.Id));
    for (const id of [...this.#nameById.keys()]) if (!present.has(id)) this.#drop(id);
    await Promise.all(found.map((c) => this.refresh(c.Id)));
  }

  async #subscribe(): Promise<void> {
    const label = this.#labelFilters();
    const filters = JSON.stringify({ type: ['container'], event: WATCHED, ...(label.length ? { label } : {}) });
    const res = await this.#client.engine.request(
      { method: 'GET', path: `/events?filters=${encodeURIComponent(filters)}` },
      { action: 'Watching container events' },
    );
    this.#events = res;
    this.#synced = true;
    this.#retryMs = 250;
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    lines.on('line', (line) => this.#onEvent(line));
    // readline re-emits the stream's error (ECONNRESET when the engine stops): unhandled, it
    // would take the whole proxy down. The close below reconnects.
    lines.on('error', () => {});
    res.once('close', () => this.#onEventsClosed());
    res.once('error', () => {});
  }

  #onEventsClosed(): void {
    this.#synced = false;
    this.#events = undefined;
    if (this.#closed) return;
    // The engine restarted or the connection dropped: retry, and resync on success.
    this.emit('unsynced');
    this.#retryTimer = setTimeout(() => {
      this.start().then(
        () => this.emit('synced'),
        () => {
          this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
          this.#onEventsClosed();
        },
      );
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  #onEvent(line: string): void {
    let event: { Action?: string; status?: string; id?: string; Actor?: { ID?: string } };
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    if (!id) return;
    // Any change may make a remembered miss (a name not found) wrong: forget them all.
    this.#missed.clear();
    const action = (event.Action ?? event.status ?? '').split(':')[0];
    if (action === 'destroy') this.#drop(id);
    else void this.refresh(id).catch(() => {});
  }

  #drop(id: string): void {
    const name = this.#nameById.get(id);
    this.#nameById.delete(id);
    if (name !== undefined && this.#byName.get(name)?.id === id) {
      this.#byName.delete(name);
      this.emit('route', { name, removed: true });
    }
  }

  /** Re-read one container from the engine (coalesced: at most one inspect per id at a time). */
  refresh(id: string): Promise<void> {
    const running = this.#refreshing.get(id);
    if (running) {
      running.again = true;
      return running.pending;
    }
    const entry = { again: false, pending: Promise.resolve() };
    entry.pending = (async () => {
      try {
        do {
          entry.again = false;
          await this.#load(id);
        } while (entry.again);
      } finally {
        this.#refreshing.delete(id);
      }
    })();
    this.#refreshing.set(id, entry);
    return entry.pending;
  }

  async #inspect(idOrName: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.#client.container(idOrName).inspect();
    } catch (err) {
      if (err instanceof ContainerNotFoundError) return undefined;
      throw err;
    }
  }

  #routable(info: Docker.ContainerInspectInfo): boolean {
    const labels = info.Config.Labels ?? {};
    const has = (wanted: Labels) => Object.entries(wanted).every(([key, value]) => labels[key] === value);
    if (!has(this.#options.labels ?? {})) return false;
    if (isLaunched(labels)) return true;
    if (this.#options.routeLabels && has(this.#options.routeLabels)) return true;
    return Boolean(this.#options.unmanaged) && publishedPorts(info).length > 0;
  }

  async #load(id: string): Promise<Route | undefined> {
    const info = await this.#inspect(id);
    if (!info || !this.#routable(info)) {
      this.#drop(id);
      return undefined;
    }
    const route = this.#describe(info);
    const oldName = this.#nameById.get(info.Id);
    if (oldName !== undefined && oldName !== route.name && this.#byName.get(oldName)?.id === info.Id)
      this.#byName.delete(oldName);
    const previous = this.#byName.get(route.name);
    if (previous?.id === info.Id) {
      route.lastActivity = previous.lastActivity;
      route.requests = previous.requests;
    }
    this.#byName.set(route.name, route);
    this.#nameById.set(info.Id, route.name);
    this.emit('route', { name: route.name, route });
    return route;
  }

  #describe(info: Docker.ContainerInspectInfo): Route {
    const labels = info.Config.Labels ?? {};
    const launched = isLaunched(labels);
    const containerPort = launched ? Number(labels[PORT_LABEL] ?? 80) : routePort(info);
    const binding = pickBinding(info.NetworkSettings?.Ports?.[`${containerPort}/tcp`]);
    const state = info.State as Docker.ContainerInspectInfo['State'] & { Health?: { Status?: string }; Error?: string };
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      status: state.Status,
      ...(state.Health?.Status ? { health: state.Health.Status } : {}),
      exitCode: state.ExitCode,
      oomKilled: state.OOMKilled,
      ...(state.Error ? { error: state.Error } : {}),
      startedAt: new Date(state.StartedAt),
      containerPort,
      ...(binding ? { upstream: appUrl(this.#client.endpoint, binding, this.#options.urlHost) } : {}),
      requests: 0,
      labels,
      tty: Boolean(info.Config.Tty),
      launched,
    };
  }

  /** The route for a name: from the table when synced, else (or on a miss) from the engine. */
  async lookup(name: string): Promise<Route | undefined> {
    if (!isContainerName(name)) return undefined;
    const known = this.#byName.get(name);
    if (known && this.#synced) return known;
    const missedAt = this.#missed.get(name);
    if (this.#synced && missedAt !== undefined && Date.now() - missedAt < (this.#options.negativeTtlMs ?? 1_000))
      return undefined;
    const info = await this.#inspect(name);
    // Only an exact name (not an id or id prefix, which inspect also accepts) is a route.
    if (!info || info.Name !== `/${name}` || !this.#routable(info)) {
      if (known) this.#drop(known.id);
      this.#missed.set(name, Date.now());
      if (this.#missed.size > 10_000) this.#missed.clear();
      return undefined;
    }
    await this.refresh(info.Id);
    return this.#byName.get(name);
  }

  /** The table as it stands (for the admin endpoint). */
  list(): Route[] {
    return [...this.#byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Stop watching events. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#events?.destroy();
    this.#synced = false;
  }
}

function isLaunched(labels: Labels): boolean {
  return labels[MANAGED_LABEL] === MANAGED_VALUE && labels[LAUNCHER_LABEL] === 'true';
}

/** The TCP ports a container publishes (or will, once started), lowest first. */
function publishedPorts(info: Docker.ContainerInspectInfo): number[] {
  const bound = Object.keys(info.HostConfig?.PortBindings ?? {});
  const all = info.HostConfig?.PublishAllPorts ? Object.keys(info.Config.ExposedPorts ?? {}) : [];
  const ports = [...bound, ...all].filter((key) => key.endsWith('/tcp')).map((key) => Number.parseInt(key, 10));
  return [...new Set(ports)].filter(Number.isInteger).sort((a, b) => a - b);
}

/**
 * The port to route to for a container the launcher did not start: its harpoon.route.port
 * label, else 80 when it publishes 80 (`docker run --publish 80 nginx`), else its lowest
 * published port.
 */
function routePort(info: Docker.ContainerInspectInfo): number {
  const labelled = Number((info.Config.Labels ?? {})[ROUTE_PORT_LABEL]);
  if (Number.isInteger(labelled) && labelled > 0) return labelled;
  const ports = publishedPorts(info);
  return ports.includes(80) || !ports.length ? 80 : ports[0]!;
}
