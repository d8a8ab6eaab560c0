// The launcher: start web-app containers from a spec, wait until they are ready, find them
// by name, and remove them by name, label, inactivity or memory budget. Everything here acts
// only on containers carrying LAUNCHER_LABEL.
import type Docker from 'dockerode';
import type { Harpoon } from '../core/client.ts';
import type { Container, Logs } from '../core/container/container.ts';
import { ContainerNotFoundError, throwIfAborted } from '../core/errors.ts';
import { managedLabels, type Labels } from '../core/labels.ts';
import { FileActivityStore, type ActivityStore, type Visit } from './activity.ts';
import { LaunchFailedError, LaunchTimeoutError, NotManagedError, NotReadyError } from './errors.ts';
import { inputEntries, putInputs } from './input.ts';
import { INPUT_MODE_LABEL, LAUNCHER_LABEL, launcherFilter, MEMORY_LABEL, PORT_LABEL, SESSION_LABEL } from './labels.ts';
import { appUrl, pickBinding } from './ports.ts';
import { CheckFailed, describeCheck, runCheck } from './readiness.ts';
import { SessionReaper } from './reaper.ts';
import { normalizeSpec, type LaunchSpec, type NormalizedSpec } from './spec.ts';

/** A launcher's options: crash reaping, the activity store, labels for every container, a memory budget. */
export interface LauncherOptions {
  /**
   * Remove this process's containers when it ends, however it ends (default true). Services
   * whose containers must outlive them (the `harpoon launch` command) pass false.
   */
  reap?: boolean;
  /** Where activity is recorded (default: a FileActivityStore in the state directory). */
  activity?: ActivityStore;
  /** Labels added to every container this launcher starts. */
  labels?: Labels;
  /**
   * Before each launch, evict this launcher's least-recently-used containers (those carrying
   * `labels`) so that their memory reservations plus the new one stay within this many MB.
   */
  memoryBudgetMb?: number;
  /** Host name for the URLs handed out (default: loopback for a local engine, else the engine's host). */
  urlHost?: string;
}

/** A launched container, ready. */
export interface Launched {
  id: string;
  name: string;
  /** Base URL of the app, e.g. http://127.0.0.1:32768 */
  url: string;
  hostPort: number;
  containerPort: number;
  labels: Labels;
}

/** A managed container as listings see it. */
export interface LaunchedInfo extends Omit<Launched, 'url' | 'hostPort'> {
  /** Undefined when the port is not published (a stopped container). */
  url: string | undefined;
  hostPort: number | undefined;
  image: string;
  /** running, exited, created, ... */
  state: string;
  memoryReservationMb: number | undefined;
  /** The latest of: recorded activity, the start, the last log line. */
  lastActivity: Date;
}

const LOG_TAIL_LINES = 40;

/** Web-app containers from a spec: launched, waited for, found and removed by name, label, inactivity or memory. */
export class Launcher {
  readonly client: Harpoon;
  readonly activity: ActivityStore;
  readonly #options: LauncherOptions;
  readonly #reaper: SessionReaper | undefined;

  constructor(client: Harpoon, options: LauncherOptions = {}) {
    this.client = client;
    this.#options = options;
    this.activity = options.activity ?? new FileActivityStore();
    this.#reaper = options.reap === false ? undefined : new SessionReaper(client.endpoint);
    // Start the reaper now, so the first launch rarely waits for it.
    this.#reaper?.start().catch(() => {});
  }

  /** This process's session id (the reaper's label value), if reaping. */
  get sessionId(): string | undefined {
    return this.#reaper?.sessionId;
  }

  /** Create, fill in the input, start, wait until ready. On any failure nothing is left behind. */
  async launch(spec: LaunchSpec, options: { signal?: AbortSignal } = {}): Promise<Launched> {
    const { signal } = options;
    const normal = normalizeSpec(spec);
    const entries = await inputEntries(normal);
    await this.#reaper?.start();
    // The budget covers this launcher's population (its labels), never another launcher's containers.
    if (this.#options.memoryBudgetMb !== undefined)
      await this.evict(this.#options.memoryBudgetMb - (normal.memoryReservationMb ?? 0), this.#options.labels ?? {});

    throwIfAborted(signal, 'The launch');
    const labels = this.#labels(normal);
    const container = await this.client.createContainer({
      image: normal.image,
      name: normal.name,
      ...(normal.cmd ? { cmd: normal.cmd } : {}),
      env: normal.env,
      labels,
      hostConfig: this.#hostConfig(normal),
      extra: {
        ExposedPorts: { [`${normal.containerPort}/tcp`]: {} },
        ...(normal.healthcheck ? { Healthcheck: healthcheckBody(normal.healthcheck) } : {}),
      },
    });
    // From here on, a failure removes what was created (but never a same-named container of someone else's: create failed then).
    const watchExit = new AbortController();
    const onAbort = () => watchExit.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await putInputs(this.client.engine, container, entries, signal);
      // Watch for an early exit while waiting; the watch ends with the launch (else it would hold a connection open).
      const { exit } = await container.registerWait('next-exit', { signal: watchExit.signal });
      await container.start(signal ? { signal } : {});
      const info = await container.inspect();
      const binding = pickBinding(info.NetworkSettings.Ports?.[`${normal.containerPort}/tcp`]);
      if (!binding) {
        // Most often the app exited at once (a stopped container has no published ports).
        const failure = { container: normal.name, waitingFor: [], kept: normal.keepOnFailure };
        if (!info.State.Running) {
          const { exitCode } = await exit;
          throw new LaunchFailedError({
            ...failure,
            reason: `it exited with code ${exitCode}`,
            exitCode,
            logsTail: await this.#tail(container),
          });
        }
        throw new LaunchFailedError({
          ...failure,
          reason: `port ${normal.containerPort} was not published (network "${normal.network}"?)`,
          logsTail: await this.#tail(container),
        });
      }
      const url = appUrl(this.client.endpoint, binding, this.#options.urlHost);
      await this.#waitReady(normal, container, url, exit, signal);
      await this.activity.touch(container.id).catch(() => {});
      return {
        id: container.id,
        name: normal.name,
        url,
        hostPort: binding.hostPort,
        containerPort: normal.containerPort,
        labels,
      };
    } catch (err) {
      const keep = normal.keepOnFailure && err instanceof NotReadyError;
      if (!keep) await container.remove({ force: true, volumes: true, ifExists: true }).catch(() => {});
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      watchExit.abort();
    }
  }

  #labels(spec: NormalizedSpec): Labels {
    return {
      ...this.#options.labels,
      ...spec.labels,
      [LAUNCHER_LABEL]: 'true',
      [PORT_LABEL]: String(spec.containerPort),
      [INPUT_MODE_LABEL]: spec.inputMode,
      ...(spec.memoryReservationMb !== undefined ? { [MEMORY_LABEL]: String(spec.memoryReservationMb) } : {}),
      ...(this.#reaper ? { [SESSION_LABEL]: this.#reaper.sessionId } : {}),
    };
  }

  #hostConfig(spec: NormalizedSpec): Docker.HostConfig {
    const mb = 1024 * 1024;
    return {
      PortBindings: {
        [`${spec.containerPort}/tcp`]: [{ HostIp: spec.hostIp, HostPort: spec.hostPort ? String(spec.hostPort) : '' }],
      },
      ...(spec.memoryReservationMb !== undefined
        ? { MemoryReservation: Math.round(spec.memoryReservationMb * mb) }
        : {}),
      ...(spec.memoryLimitMb !== undefined ? { Memory: Math.round(spec.memoryLimitMb * mb) } : {}),
      ...(spec.cpus !== undefined ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
      ...(spec.network ? { NetworkMode: spec.network } : {}),
      // Anonymous volumes: fresh for each container, removed with it (remove v=1).
      ...(spec.writableDirs.length
        ? {
            Mounts: spec.writableDirs.map((dir) => ({
              Type: 'volume',
              Target: dir,
              VolumeOptions: {
                Labels: managedLabels({ ...this.#options.labels, ...spec.labels, [LAUNCHER_LABEL]: 'true' }),
              },
            })) as unknown as Docker.MountSettings[],
          }
        : {}),
    };
  }

  async #waitReady(
    spec: NormalizedSpec,
    container: Container,
    url: string,
    exit: Promise<{ exitCode: number }>,
    signal?: AbortSignal,
  ): Promise<void> {
    const pending = new Map(spec.ready.map((check, i) => [i, describeCheck(check, spec.containerPort)]));
    if (pending.size === 0) return;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), spec.readyTimeoutMs);
    const onAbort = () => deadline.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const ctx = {
      engine: this.client.engine,
      container,
      url,
      containerPort: spec.containerPort,
      signal: deadline.signal,
    };
    const checks = Promise.all(spec.ready.map((check, i) => runCheck(check, ctx).then(() => pending.delete(i))));
    const exited = exit.then((status) => {
      throw Object.assign(new CheckFailed(`it exited with code ${status.exitCode}`), { exitCode: status.exitCode });
    });
    try {
      await Promise.race([checks, exited]);
    } catch (err) {
      const failure = { container: spec.name, waitingFor: [...pending.values()], kept: spec.keepOnFailure };
      if (err instanceof CheckFailed) {
        const exitCode = (err as CheckFailed & { exitCode?: number }).exitCode;
        throw new LaunchFailedError({
          ...failure,
          reason: err.message,
          logsTail: await this.#tail(container),
          ...(exitCode !== undefined ? { exitCode } : {}),
        });
      }
      throwIfAborted(signal, 'The launch');
      if (deadline.signal.aborted)
        throw new LaunchTimeoutError({
          ...failure,
          timeoutMs: spec.readyTimeoutMs,
          logsTail: await this.#tail(container),
        });
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      deadline.abort();
      checks.catch(() => {});
      exited.catch(() => {});
    }
  }

  async #tail(container: Container): Promise<string> {
    const logs = await container.logs({ tail: LOG_TAIL_LINES }).catch(() => ({ stdout: '', stderr: '' }));
    return [logs.stdout, logs.stderr].filter(Boolean).join('');
  }

  /** A managed container by name (or id); throws ContainerNotFoundError or NotManagedError. */
  async #managed(name: string): Promise<{ container: Container; info: Docker.ContainerInspectInfo }> {
    const container = this.client.container(name);
    const info = await container.inspect();
    if (info.Config.Labels?.[LAUNCHER_LABEL] !== 'true') throw new NotManagedError(name);
    return { container, info };
  }

  /** A launched container by name, or undefined if there is none (or it is not the launcher's). */
  async get(name: string): Promise<LaunchedInfo | undefined> {
    try {
      const { info } = await this.#managed(name);
      return await this.#describe(info);
    } catch (err) {
      if (err instanceof ContainerNotFoundError || err instanceof NotManagedError) return undefined;
      throw err;
    }
  }

  /** The URL of a launched, running container. */
  async url(name: string): Promise<string> {
    const found = await this.get(name);
    if (!found) throw new ContainerNotFoundError(name);
    if (!found.url) throw new ContainerNotFoundError(`${name} (not running)`);
    return found.url;
  }

  /** Every container the launcher manages (never any other), optionally narrowed by labels. */
  async list(labels: Labels = {}): Promise<LaunchedInfo[]> {
    const found = await this.client.engine.call(
      (d) => d.listContainers({ all: true, filters: JSON.stringify({ label: launcherFilter(labels) }) }),
      {
        action: 'Listing launched containers',
      },
    );
    const infos = await Promise.all(
      found.map((c) =>
        this.client
          .container(c.Id)
          .inspect()
          .catch(() => undefined),
      ),
    );
    return Promise.all(
      infos.filter((i): i is Docker.ContainerInspectInfo => i !== undefined).map((info) => this.#describe(info)),
    );
  }

  async #describe(info: Docker.ContainerInspectInfo): Promise<LaunchedInfo> {
    const labels = info.Config.Labels ?? {};
    const containerPort = Number(labels[PORT_LABEL] ?? 80);
    const binding = pickBinding(info.NetworkSettings.Ports?.[`${containerPort}/tcp`]);
    const memory = labels[MEMORY_LABEL];
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      url: binding ? appUrl(this.client.endpoint, binding, this.#options.urlHost) : undefined,
      hostPort: binding?.hostPort,
      containerPort,
      labels,
      image: info.Config.Image,
      state: info.State.Status,
      memoryReservationMb: memory === undefined ? undefined : Number(memory),
      lastActivity: await this.#lastActivity(info),
    };
  }

  async #lastActivity(info: Docker.ContainerInspectInfo): Promise<Date> {
    const times = [new Date(info.State.StartedAt), new Date(info.Created)];
    const recorded = await this.activity.lastActivity(info.Id).catch(() => undefined);
    if (recorded) times.push(recorded);
    // An app that logs its requests shows activity even without the proxy.
    const logs = await this.client
      .container(info.Id)
      .logs({ tail: 1, timestamps: true })
      .catch(() => undefined);
    const stamp = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(logs ? logs.stdout || logs.stderr : '')?.[1];
    if (stamp) times.push(new Date(stamp));
    return new Date(Math.max(...times.map((t) => t.getTime()).filter(Number.isFinite)));
  }

  /** Record activity for a launched container (the proxy calls this on traffic). */
  async touch(nameOrId: string): Promise<void> {
    const { info } = await this.#managed(nameOrId);
    await this.activity.touch(info.Id);
  }

  /** The container's last visits through the proxy, oldest first (empty for a store without history). */
  async history(name: string, limit?: number): Promise<Visit[]> {
    const { info } = await this.#managed(name);
    return (await this.activity.history?.(info.Id, limit)) ?? [];
  }

  /** A launched container's logs, by name (`tail`: the last lines only). */
  async logs(name: string, options: { tail?: number } = {}): Promise<Logs> {
    const { container } = await this.#managed(name);
    return container.logs(options);
  }

  /** Stop a launched container, by name; it stays until removed or purged. */
  async stop(name: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    const { container } = await this.#managed(name);
    await container.stop(options);
  }

  /** Stop and remove a launched container (its fresh volumes too). */
  async remove(name: string): Promise<void> {
    const { container, info } = await this.#managed(name);
    await container.remove({ force: true, volumes: true, ifExists: true });
    await this.activity.forget(info.Id).catch(() => {});
  }

  async #removeAll(victims: LaunchedInfo[]): Promise<string[]> {
    await Promise.all(
      victims.map(async (v) => {
        await this.client.container(v.id).remove({ force: true, volumes: true, ifExists: true });
        await this.activity.forget(v.id).catch(() => {});
      }),
    );
    return victims.map((v) => v.name);
  }

  /** Remove launched containers carrying all these labels (all launched ones with `{}`); returns their names. */
  async purge(labels: Labels): Promise<string[]> {
    return this.#removeAll(await this.list(labels));
  }

  /** Remove launched containers with no activity for `seconds`; returns their names. */
  async purgeInactive(seconds: number, labels: Labels = {}): Promise<string[]> {
    const cutoff = Date.now() - seconds * 1000;
    return this.#removeAll((await this.list(labels)).filter((c) => c.lastActivity.getTime() < cutoff));
  }

  /**
   * Evict least-recently-used launched containers until the sum of their memory
   * reservations is within `budgetMb`; returns the names removed, oldest first.
   */
  async evict(budgetMb: number, labels: Labels = {}): Promise<string[]> {
    const all = (await this.list(labels)).sort((a, b) => a.lastActivity.getTime() - b.lastActivity.getTime());
    let total = all.reduce((sum, c) => sum + (c.memoryReservationMb ?? 0), 0);
    const victims: LaunchedInfo[] = [];
    for (const c of all) {
      if (total <= budgetMb) break;
      if (!c.memoryReservationMb) continue;
      victims.push(c);
      total -= c.memoryReservationMb;
    }
    return this.#removeAll(victims);
  }

  /** Remove this session's containers (when reaping) and stop the reaper. */
  async close(): Promise<void> {
    await this.#reaper?.close();
  }
}

function healthcheckBody(spec: NonNullable<NormalizedSpec['healthcheck']>): Record<string, unknown> {
  const ns = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms * 1e6));
  return {
    Test: spec.test,
    ...(spec.intervalMs !== undefined ? { Interval: ns(spec.intervalMs) } : {}),
    ...(spec.timeoutMs !== undefined ? { Timeout: ns(spec.timeoutMs) } : {}),
    ...(spec.retries !== undefined ? { Retries: spec.retries } : {}),
    ...(spec.startPeriodMs !== undefined ? { StartPeriod: ns(spec.startPeriodMs) } : {}),
  };
}
