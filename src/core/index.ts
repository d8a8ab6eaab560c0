// The core's public surface: the client and what a caller names when using it (options,
// results, tasks, events), its labels and its errors. Everything else in src/core is internal.
export { Harpoon, type EngineInfo, type EngineVersion } from './client.ts';
export type { Engine, ConnectOptions } from './engine.ts';
export {
  resolveEndpoint,
  describeEndpoint,
  DEFAULT_SOCKET,
  type Endpoint,
  type EndpointOptions,
  type TlsMaterial,
} from './endpoint.ts';
export type { BuildOptions, BuildResult, BuildTask } from './build/build.ts';
export type { ContextSpec, InMemoryFile } from './build/context.ts';
export { busyboxBase, HOST_BUSYBOX, type BusyboxBase } from './build/busybox.ts';
export type { BuildEvent } from './build/progress.ts';
export type {
  Container,
  ContainerOptions,
  ExecResult,
  ExitStatus,
  Logs,
  PutArchiveOptions,
} from './container/container.ts';
export type { CommitOptions } from './container/commit.ts';
export type { VolumeInfo, VolumeOptions, NetworkInfo, NetworkOptions } from './resources.ts';
export type { RunOptions, RunResult, OutputTarget } from './container/run.ts';
export type { TerminalSize } from './container/terminal.ts';
export type { SaveOptions } from './image/save.ts';
export type { LoadEvent, LoadOptions, LoadResult, LoadTask, LoadedImage } from './image/load.ts';
export type { PushEvent, PushOptions, PushResult, PushTask } from './image/push.ts';
export type { TransferEvent, TransferOptions, TransferResult, TransferTask } from './image/transfer.ts';
export { parseReference, type ImageReference } from './image/reference.ts';
export { LoadError, PushError, RegistryAuthError, CredentialsError, ImageMismatchError } from './image/errors.ts';
export type { ManagedResources, ManagedImage } from './cleanup.ts';
export { IMAGE_LABEL, MANAGED_LABEL, MANAGED_VALUE, type Labels } from './labels.ts';
export type { ProgressTask } from './task.ts';
export {
  HarpoonError,
  EngineUnreachableError,
  EngineError,
  ImageNotFoundError,
  ContainerNotFoundError,
  NameConflictError,
  BuildError,
  ContainerExitError,
  CommandNotFoundError,
  CommandNotExecutableError,
  TimeoutError,
  AbortedError,
  InvalidInputError,
  ArchivePathNotFoundError,
  ResourceNotFoundError,
  ForeignResourceError,
  ImageInUseError,
  type HarpoonErrorCode,
  type BuildStep,
  type ImageInUse,
} from './errors.ts';
