// One container on the engine: a small handle over the Engine API's container endpoints.
import type Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import type { Engine } from '../engine.ts';
import {
  AbortedError,
  ArchivePathNotFoundError,
  ContainerNotFoundError,
  EngineError,
  InvalidInputError,
} from '../errors.ts';
import { managedLabels, type Labels } from '../labels.ts';
import { readBody, readBodyBuffer } from '../transport.ts';
import { FrameParser } from './demux.ts';

/** How to create a container: image, command, environment, name, TTY, labels, host config. */
export interface ContainerOptions {
  image: string;
  /** Command (replaces the image's CMD). */
  cmd?: string[];
  entrypoint?: string[];
  name?: string;
  /** Environment, as a map or as "K=V" strings. */
  env?: Record<string, string> | string[];
  /** Labels; the managed `harpoon` label is always added. */
  labels?: Labels;
  workingDir?: string;
  user?: string;
  /** Give the container a pseudoterminal (docker run -t). */
  tty?: boolean;
  /** Keep stdin open for an attached client (docker run -i). */
  openStdin?: boolean;
  /**
   * Close stdin when the attached client detaches (default: with openStdin). False for a
   * container started detached (docker run -dit) that later clients attach to and leave.
   */
  stdinOnce?: boolean;
  /** HostConfig fields (binds, port bindings, memory, ...), passed to the engine as they are. */
  hostConfig?: Docker.HostConfig;
  /** Any other create-body field, passed as is (the escape hatch). */
  extra?: Partial<Docker.ContainerCreateOptions>;
  signal?: AbortSignal;
}

/** How a container exited: its exit code, and the engine's error about the wait, if any. */
export interface ExitStatus {
  exitCode: number;
  /** The engine's own error about the wait, if any. */
  error?: string;
}

/** What a command run in the container with `exec` returned: exit code and output. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A container's logs, stdout and stderr apart. */
export interface Logs {
  stdout: string;
  stderr: string;
}

export function envList(env: ContainerOptions['env']): string[] | undefined {
  if (env === undefined) return undefined;
  if (Array.isArray(env)) return env;
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

export function createBody(options: ContainerOptions): Record<string, unknown> {
  if (!options.image) throw new InvalidInputError('image', 'an image name or id is required');
  const body: Record<string, unknown> = {
    ...options.extra,
    Image: options.image,
    Labels: managedLabels({ ...(options.extra?.Labels ?? {}), ...options.labels }),
    Tty: Boolean(options.tty),
    OpenStdin: Boolean(options.openStdin),
    // With an attached client, stdin closes when the client half-closes it.
    StdinOnce: options.stdinOnce ?? Boolean(options.openStdin),
    AttachStdin: Boolean(options.openStdin),
    AttachStdout: true,
    AttachStderr: true,
  };
  if (options.cmd) body.Cmd = options.cmd;
  if (options.entrypoint) body.Entrypoint = options.entrypoint;
  const env = envList(options.env);
  if (env) body.Env = env;
  if (options.workingDir) body.WorkingDir = options.workingDir;
  if (options.user) body.User = options.user;
  if (options.hostConfig) body.HostConfig = options.hostConfig;
  return body;
}

export async function createContainer(engine: Engine, options: ContainerOptions): Promise<Container> {
  const query = options.name ? `?name=${encodeURIComponent(options.name)}` : '';
  const res = await engine.request(
    {
      method: 'POST',
      path: `/containers/create${query}`,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(createBody(options)),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    { image: options.image, ...(options.name ? { name: options.name } : {}), action: 'Creating the container' },
  );
  const created = JSON.parse(await readBody(res)) as { Id: string };
  return new Container(engine, created.Id, options.name);
}

/** Options for putting a tar archive into the container's file system. */
export interface PutArchiveOptions {
  signal?: AbortSignal;
  /** Fail rather than replace a directory with a non-directory (or the reverse). */
  noOverwriteDirNonDir?: boolean;
}

/** A handle on one container: start, wait, logs, exec, attach, stop, remove, archives… (no I/O until called). */
export class Container {
  #id: string;
  #name: string | undefined;
  readonly #engine: Engine;

  constructor(engine: Engine, id: string, name?: string) {
    this.#engine = engine;
    this.#id = id;
    this.#name = name;
  }

  /** The id, or the name the handle was made with (client.container(name)). */
  get id(): string {
    return this.#id;
  }

  get name(): string | undefined {
    return this.#name;
  }

  #ctx(action: string) {
    return { container: this.name ?? this.id, action };
  }

  /** The engine's full description of the container (`docker inspect`). */
  inspect(): Promise<Docker.ContainerInspectInfo> {
    return this.#engine.call((d) => d.getContainer(this.id).inspect(), this.#ctx('Inspecting the container'));
  }

  /** Start the container. */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    const res = await this.#engine.request(
      { method: 'POST', path: `/containers/${this.id}/start`, ...(options.signal ? { signal: options.signal } : {}) },
      this.#ctx('Starting the container'),
    );
    res.resume();
  }

  /**
   * Register a wait with the engine and return once it is registered (the engine flushes
   * the headers then), so a container started afterwards cannot exit unseen (dockerode #582).
   * `exit` settles when the container reaches the condition. (Wrapped in an object: a
   * promise resolved with a promise would wait for it.)
   */
  async registerWait(
    condition: 'next-exit' | 'not-running' | 'removed' = 'next-exit',
    options: { signal?: AbortSignal } = {},
  ): Promise<{ exit: Promise<ExitStatus> }> {
    const res = await this.#engine.request(
      {
        method: 'POST',
        path: `/containers/${this.id}/wait?condition=${condition}`,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      this.#ctx('Waiting for the container'),
    );
    const exit = readBody(res).then((text) => {
      const status = JSON.parse(text) as { StatusCode: number; Error?: { Message?: string } | null };
      return { exitCode: status.StatusCode, ...(status.Error?.Message ? { error: status.Error.Message } : {}) };
    });
    exit.catch(() => {});
    return { exit };
  }

  /** Wait until the container is not running; resolves to its exit code. */
  async wait(options: { signal?: AbortSignal } = {}): Promise<number> {
    return (await (await this.registerWait('not-running', options)).exit).exitCode;
  }

  /** Stop the container (SIGTERM, then SIGKILL after `timeoutSeconds`); already stopped is fine. */
  async stop(options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.#engine
      .call(
        (d) => d.getContainer(this.id).stop(options.timeoutSeconds !== undefined ? { t: options.timeoutSeconds } : {}),
        this.#ctx('Stopping the container'),
      )
      .catch((err) => {
        // 304: already stopped.
        if ((err as EngineError).statusCode !== 304) throw err;
      });
  }

  /** Send the container a signal (default SIGKILL). */
  async kill(signal = 'SIGKILL'): Promise<void> {
    await this.#engine.call((d) => d.getContainer(this.id).kill({ signal }), this.#ctx('Killing the container'));
  }

  /** Remove the container; with `force`, a running one too. Missing is not an error with `ifExists`. */
  async remove(options: { force?: boolean; volumes?: boolean; ifExists?: boolean } = {}): Promise<void> {
    try {
      await this.#engine.call(
        (d) => d.getContainer(this.id).remove({ force: Boolean(options.force), v: Boolean(options.volumes) }),
        this.#ctx('Removing the container'),
      );
    } catch (err) {
      if (
        options.ifExists &&
        (err instanceof ContainerNotFoundError ||
          /removal of container .* is already in progress/i.test((err as Error).message))
      )
        return;
      throw err;
    }
  }

  /** Freeze every process of the container (`docker pause`). */
  async pause(): Promise<void> {
    await this.#engine.call((d) => d.getContainer(this.id).pause(), this.#ctx('Pausing the container'));
  }

  /** Resume a paused container. */
  async unpause(): Promise<void> {
    await this.#engine.call((d) => d.getContainer(this.id).unpause(), this.#ctx('Unpausing the container'));
  }

  /** `docker rename`; the handle follows (a handle made by the old name now uses the new one). */
  async rename(newName: string): Promise<void> {
    if (!newName) throw new InvalidInputError('newName', 'a container name is required');
    await this.#engine.call((d) => d.getContainer(this.id).rename({ name: newName }), {
      ...this.#ctx('Renaming the container'),
      name: newName,
    });
    if (this.#id === this.#name) this.#id = newName;
    this.#name = newName;
  }

  /**
   * `docker cp CONTAINER:PATH -`: a tar stream of the path (running or stopped container). The
   * engine names the top entry after the path's last element: `/srv/www` gives `www/`,
   * `www/index.html`, ...; a file gives one entry, its base name.
   */
  async getArchive(path: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    if (!path) throw new InvalidInputError('path', 'a path in the container is required');
    return this.#archiveRequest(path, () =>
      this.#engine.request(
        {
          method: 'GET',
          path: `/containers/${this.id}/archive?path=${encodeURIComponent(path)}`,
          ...(options.signal ? { signal: options.signal } : {}),
        },
        { action: `Reading ${path} from the container` },
      ),
    );
  }

  /** `docker cp - CONTAINER:DIR`: extract a tar (stream or Buffer) into the directory `path`, which must exist. */
  async putArchive(path: string, tar: Readable | Buffer, options: PutArchiveOptions = {}): Promise<void> {
    if (!path) throw new InvalidInputError('path', 'a directory in the container is required');
    const query = new URLSearchParams({ path });
    if (options.noOverwriteDirNonDir) query.set('noOverwriteDirNonDir', '1');
    const req = {
      method: 'PUT',
      path: `/containers/${this.id}/archive?${query}`,
      headers: { 'Content-Type': 'application/x-tar' },
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const ctx = { action: `Copying an archive into ${path} in the container` };
    const res = await this.#archiveRequest(path, () =>
      Buffer.isBuffer(tar)
        ? this.#engine.request({ ...req, body: tar }, ctx)
        : this.#engine.streamRequest(req, tar, ctx),
    );
    await readBody(res);
  }

  /** The archive endpoints answer 404 both for a missing container and a missing path: tell them apart. */
  async #archiveRequest<T>(path: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof ContainerNotFoundError) throw new ContainerNotFoundError(this.name ?? this.id);
      if (err instanceof EngineError && err.statusCode === 404) {
        if (/no such container/i.test(err.message)) throw new ContainerNotFoundError(this.name ?? this.id);
        throw new ArchivePathNotFoundError(this.name ?? this.id, path, err.message);
      }
      throw err;
    }
  }

  /** Set the size of the container's TTY. */
  async resize(size: { rows: number; cols: number }): Promise<void> {
    const res = await this.#engine.request(
      { method: 'POST', path: `/containers/${this.id}/resize?h=${size.rows}&w=${size.cols}` },
      this.#ctx('Resizing the TTY'),
    );
    res.resume();
  }

  /** Attach through a hijacked connection; `stdin: true` lets the caller write to the container. */
  attach(options: { stdin?: boolean; stdout?: boolean; stderr?: boolean; signal?: AbortSignal } = {}): Promise<Duplex> {
    const query = new URLSearchParams({
      stream: '1',
      stdin: options.stdin ? '1' : '0',
      stdout: options.stdout === false ? '0' : '1',
      stderr: options.stderr === false ? '0' : '1',
    });
    return this.#engine.upgrade(
      {
        method: 'POST',
        path: `/containers/${this.id}/attach?${query}`,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      this.#ctx('Attaching to the container'),
    );
  }

  /** The logs so far, stdout and stderr apart (for a TTY container everything is stdout). */
  async logs(options: { tail?: number; timestamps?: boolean; signal?: AbortSignal } = {}): Promise<Logs> {
    const query = new URLSearchParams({
      stdout: '1',
      stderr: '1',
      tail: options.tail === undefined ? 'all' : String(options.tail),
    });
    if (options.timestamps) query.set('timestamps', '1');
    const [info, res] = await Promise.all([
      this.inspect(),
      this.#engine.request(
        {
          method: 'GET',
          path: `/containers/${this.id}/logs?${query}`,
          ...(options.signal ? { signal: options.signal } : {}),
        },
        this.#ctx('Reading logs'),
      ),
    ]);
    const raw = await readBodyBuffer(res);
    if (info.Config.Tty) return { stdout: raw.toString('utf8'), stderr: '' };
    return splitFrames(raw);
  }

  /** Run a command in the running container and collect its output and exit code. */
  async exec(
    cmd: string[],
    options: { env?: ContainerOptions['env']; workingDir?: string; user?: string; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const signal = options.signal ? { signal: options.signal } : {};
    const createRes = await this.#engine.request(
      {
        ...signal,
        method: 'POST',
        path: `/containers/${this.id}/exec`,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          Cmd: cmd,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          ...(options.env ? { Env: envList(options.env) } : {}),
          ...(options.workingDir ? { WorkingDir: options.workingDir } : {}),
          ...(options.user ? { User: options.user } : {}),
        }),
      },
      this.#ctx('Creating an exec'),
    );
    const { Id: execId } = JSON.parse(await readBody(createRes)) as { Id: string };
    const socket = await this.#engine.upgrade(
      {
        ...signal,
        method: 'POST',
        path: `/exec/${execId}/start`,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ Detach: false, Tty: false }),
      },
      this.#ctx('Starting an exec'),
    );
    const onAbort = () => socket.destroy(new AbortedError('The exec', options.signal?.reason));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let output: Logs;
    try {
      output = splitFrames(await readBodyBuffer(socket));
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    const inspectRes = await this.#engine.request(
      { method: 'GET', path: `/exec/${execId}/json` },
      this.#ctx('Inspecting an exec'),
    );
    const { ExitCode } = JSON.parse(await readBody(inspectRes)) as { ExitCode: number | null };
    return { exitCode: ExitCode ?? -1, ...output };
  }
}

function splitFrames(data: Buffer): Logs {
  const parser = new FrameParser();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (const frame of parser.push(data)) {
    if (frame.stream === 'stdout') out.push(frame.payload);
    else if (frame.stream === 'stderr') err.push(frame.payload);
    else if (frame.stream === 'error') throw new EngineError(frame.payload.toString('utf8').trim());
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
