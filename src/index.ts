// harpoon: the public API. The core (a typed Docker client), and the main classes of each
// module built on it. Each module has its own entry point with its whole public surface:
// harpoon/launcher, harpoon/proxy, harpoon/orchestrator, harpoon/project.

/**
 * The core client (build, run, containers, images, cleanup, typed errors) and the main classes of each module.
 * @module harpoon
 */
export * from './core/index.ts';

// Modules on the core: what most programs reach for.
export {
  Launcher,
  waitFor,
  FileActivityStore,
  type LaunchSpec,
  type LauncherOptions,
  type Launched,
  type LaunchedInfo,
  type ReadyCheck,
  type Visit,
} from './launcher/index.ts';
export {
  InputTooLargeError,
  LaunchTimeoutError,
  LaunchFailedError,
  NotReadyError,
  NotManagedError,
} from './launcher/index.ts';
export {
  HarpoonProxy,
  startProxyServer,
  forwardAuth,
  requireHeaders,
  type ProxyOptions,
  type ProxyServerOptions,
  type RunningProxy,
  type AccessEvent,
  type Authorize,
  type AuthDecision,
  type Route,
} from './proxy/index.ts';
export {
  openUnit,
  explainUnit,
  runUnit,
  UnitConfigError,
  UnitRunError,
  type UnitOptions,
  type RunUnitOptions,
  type UnitRunResult,
} from './orchestrator/index.ts';
export { openProject, planImageBuild, planImageRun, type Project } from './project/index.ts';
