// The friendly high-level client. A thin layer over Engine (endpoint, version, wire), in the
// spirit of docker-py: `client.engine.docker` is dockerode when you need the whole API.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { buildImage, type BuildOptions, type BuildTask } from './build/build.ts';
import { listManaged, removeManaged, type ManagedResources } from './cleanup.ts';
import { commitContainer, type CommitOptions } from './container/commit.ts';
import { Container, createContainer, type ContainerOptions } from './container/container.ts';
import { runContainer, type RunOptions, type RunResult } from './container/run.ts';
import type { Endpoint } from './endpoint.ts';
import { Engine, type ConnectOptions } from './engine.ts';
import { ImageNotFoundError } from './errors.ts';
import { loadImage, type LoadOptions, type LoadTask } from './image/load.ts';
import { pushImage, type PushOptions, type PushTask } from './image/push.ts';
import { saveImages, type SaveOptions } from './image/save.ts';
import { tagImage } from './image/tag.ts';
import { transferImage, type TransferOptions, type TransferTask } from './image/transfer.ts';
import type { Labels } from './labels.ts';
import {
  createNetwork,
  createVolume,
  inspectNetwork,
  inspectVolume,
  removeNetwork,
  removeVolume,
  type NetworkInfo,
  type NetworkOptions,
  type VolumeInfo,
  type VolumeOptions,
} from './resources.ts';

/** The engine's `GET /info`, with the fields harpoon and its lessons rely on typed. */
export interface EngineInfo {
  ID: string;
  Name: string;
  ServerVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  KernelVersion: string;
  NCPU: number;
  MemTotal: number;
  Driver: string;
  DockerRootDir: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  [field: string]: unknown;
}

/** The engine's version, as `docker version` reports the server's. */
export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  Os: string;
  Arch: string;
  [field: string]: unknown;
}

/** A client for one Docker engine: connect, build, run, containers, volumes, networks, images, cleanup. */
export class Harpoon {
  readonly engine: Engine;

  private constructor(engine: Engine) {
    this.engine = engine;
  }

  /** Connect as the docker CLI would (see resolveEndpoint), ping, and negotiate the API version. */
  static async connect(options: ConnectOptions = {}): Promise<Harpoon> {
    return new Harpoon(await Engine.connect(options));
  }

  get endpoint(): Endpoint {
    return this.engine.endpoint;
  }

  get apiVersion(): string {
    return this.engine.apiVersion;
  }

  /** dockerode, bound to the same endpoint and API version. */
  get docker(): Docker {
    return this.engine.docker;
  }

  /** Where the client connects and why, e.g. "unix:///var/run/docker.sock, chosen from DOCKER_HOST; API 1.41". */
  describe(): string {
    return this.engine.describe();
  }

  /** The engine's information, as `docker info` reports it. */
  info(): Promise<EngineInfo> {
    return this.engine.json<EngineInfo>('/info', { action: 'Reading engine info' });
  }

  /** The engine's version, as `docker version` reports the server's. */
  version(): Promise<EngineVersion> {
    return this.engine.json<EngineVersion>('/version', { action: 'Reading engine version' });
  }

  /** Build an image; await it for `{ imageId }`, or iterate it for progress events. */
  build(options: BuildOptions): BuildTask {
    return buildImage(this.engine, options);
  }

  /** Create a container (not started); returns its handle. */
  createContainer(options: ContainerOptions): Promise<Container> {
    return createContainer(this.engine, options);
  }

  /** Create and start, detached (`docker run -d`); a container that fails to start is removed again. */
  async startContainer(options: ContainerOptions): Promise<Container> {
    const container = await createContainer(this.engine, options);
    try {
      await container.start(options.signal ? { signal: options.signal } : {});
    } catch (err) {
      await container.remove({ force: true, ifExists: true });
      throw err;
    }
    return container;
  }

  /** A handle on an existing container, by id or name. */
  container(idOrName: string): Container {
    return new Container(this.engine, idOrName, idOrName);
  }

  /** Create, attach, start, wait, and remove: `docker run --rm` with typed options. */
  run(options: RunOptions): Promise<RunResult> {
    return runContainer(this.engine, options);
  }

  /** `docker commit`: an image of the container (labelled harpoon.image=true); returns its id. */
  commit(containerIdOrName: string, options: CommitOptions = {}): Promise<string> {
    return commitContainer(this.engine, containerIdOrName, options);
  }

  /** A named volume with harpoon's label; the same one again if harpoon made it, a FOREIGN_RESOURCE error if not. */
  createVolume(options: VolumeOptions): Promise<VolumeInfo> {
    return createVolume(this.engine, options);
  }

  /** A volume by name (ResourceNotFoundError if there is none); its labels tell whether it is harpoon's. */
  inspectVolume(name: string): Promise<VolumeInfo> {
    return inspectVolume(this.engine, name);
  }

  /** Remove a volume harpoon made (a foreign one is refused); missing is not an error with `ifExists`. */
  removeVolume(name: string, options: { ifExists?: boolean; force?: boolean } = {}): Promise<void> {
    return removeVolume(this.engine, name, options);
  }

  /** A user-defined network with harpoon's label; the same one again if harpoon made it, a FOREIGN_RESOURCE error if not. */
  createNetwork(options: NetworkOptions): Promise<NetworkInfo> {
    return createNetwork(this.engine, options);
  }

  /** A network by name (ResourceNotFoundError if there is none); its labels tell whether it is harpoon's. */
  inspectNetwork(name: string): Promise<NetworkInfo> {
    return inspectNetwork(this.engine, name);
  }

  /** Remove a network harpoon made (a foreign one is refused); missing is not an error with `ifExists`. */
  removeNetwork(name: string, options: { ifExists?: boolean } = {}): Promise<void> {
    return removeNetwork(this.engine, name, options);
  }

  /** Whether the engine has this image (a name or id). */
  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.inspectImage(ref);
      return true;
    } catch (err) {
      if (err instanceof ImageNotFoundError) return false;
      throw err;
    }
  }

  /** The engine's full description of an image; ImageNotFoundError if there is none. */
  inspectImage(ref: string): Promise<Docker.ImageInspectInfo> {
    return this.engine.call((d) => d.getImage(ref).inspect(), { image: ref, action: 'Inspecting the image' });
  }

  /** Remove an image (`docker rmi`; with `force`, even if it is in use). */
  async removeImage(ref: string, options: { force?: boolean } = {}): Promise<void> {
    await this.engine.call((d) => d.getImage(ref).remove({ force: Boolean(options.force) }), {
      image: ref,
      action: 'Removing the image',
    });
  }

  /** Add a name to an image: `docker tag SOURCE TARGET` (tag "latest" if TARGET has none); returns the full name. */
  tagImage(source: string, target: string): Promise<string> {
    return tagImage(this.engine, source, target);
  }

  /** `docker save`: one tar archive of these images (names or ids), as a stream. */
  saveImage(refs: string | string[], options: SaveOptions = {}): Promise<Readable> {
    return saveImages(this.engine, refs, options);
  }

  /** `docker load` from a stream (or Buffer); await it for the images loaded, or iterate it for progress. */
  loadImage(archive: Readable | Buffer, options: LoadOptions = {}): LoadTask {
    return loadImage(this.engine, archive, options);
  }

  /** `docker push` with credentials from the environment or docker config; await it for the digest. */
  pushImage(ref: string, options: PushOptions = {}): PushTask {
    return pushImage(this.engine, ref, options);
  }

  /** Copy an image to another engine, save piped into load (nothing sent if it is there already). */
  transferImage(to: Harpoon, ref: string, options: TransferOptions = {}): TransferTask {
    return transferImage(this, to, ref, options);
  }

  /** Everything on the engine carrying the harpoon label (and these labels, if given). */
  listManaged(labels?: Labels): Promise<ManagedResources> {
    return listManaged(this.engine, labels);
  }

  /** Remove everything listManaged() finds; returns what was removed. */
  removeManaged(labels?: Labels): Promise<ManagedResources> {
    return removeManaged(this.engine, labels);
  }
}
