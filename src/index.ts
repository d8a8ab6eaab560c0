// harpoon: the public API. Core first; each module (launcher, proxy, cli, orchestrator)
// lives in its own folder and builds on these exports.
export { Harpoon, type EngineInfo, type EngineVersion } from './core/client.ts';
export { Engine, CLIENT_API_VERSION, type ConnectOptions } from './core/engine.ts';
export { resolveEndpoint, describeEndpoint, systemResolveEnv, systemResolveEnvFor, DEFAULT_SOCKET, type ResolveEnv, type Endpoint, type EndpointOptions, type TlsMaterial } from './core/endpoint.ts';
export { buildImage, type BuildOptions, type BuildResult, type BuildTask } from './core/build/build.ts';
export { createBuildContext, type ContextSpec, type InMemoryFile } from './core/build/context.ts';
export { busyboxBase, HOST_BUSYBOX, type BusyboxBase } from './core/build/busybox.ts';
export type { BuildEvent } from './core/build/progress.ts';
export { Container, type ContainerOptions, type ExecResult, type ExitStatus, type Logs, type PutArchiveOptions } from './core/container/container.ts';
export { commitContainer, type CommitOptions } from './core/container/commit.ts';
export { createVolume, inspectVolume, removeVolume, createNetwork, inspectNetwork, removeNetwork, type VolumeInfo, type VolumeOptions, type NetworkInfo, type NetworkOptions } from './core/resources.ts';
export { runContainer, type RunOptions, type RunResult, type OutputTarget } from './core/container/run.ts';
export { LocalTerminal, type TerminalSize } from './core/container/terminal.ts';
export { demux, FrameParser } from './core/container/demux.ts';
export { saveImages, type SaveOptions } from './core/image/save.ts';
export { loadImage, type LoadEvent, type LoadOptions, type LoadResult, type LoadTask, type LoadedImage } from './core/image/load.ts';
export { tagImage } from './core/image/tag.ts';
export { pushImage, type PushEvent, type PushOptions, type PushResult, type PushTask } from './core/image/push.ts';
export { transferImage, type TransferEvent, type TransferOptions, type TransferResult, type TransferTask } from './core/image/transfer.ts';
export {
  registryCredentials,
  environmentCredentials,
  ENV_CREDENTIALS_SOURCE,
  runCredentialHelper,
  encodeRegistryAuth,
  dockerConfigDir,
  RegistryCredentials,
  type CredentialFields,
  type CredentialLookup,
  type HelperAnswer,
} from './core/image/auth.ts';
export { parseReference, normalizeRegistry, DOCKER_HUB, type ImageReference } from './core/image/reference.ts';
export { LoadError, PushError, RegistryAuthError, CredentialsError, ImageMismatchError } from './core/image/errors.ts';
export { listManaged, removeManaged, type ManagedResources } from './core/cleanup.ts';
export { IMAGE_LABEL, MANAGED_LABEL, MANAGED_VALUE, imageLabels, managedLabels, type Labels } from './core/labels.ts';
export { ProgressTask } from './core/task.ts';
export * from './core/errors.ts';

// Modules on the core.
export * from './launcher/index.ts';
export * from './proxy/index.ts';
export * from './orchestrator/index.ts';
