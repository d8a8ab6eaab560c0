// The launcher's public surface (`harpoon/launcher`): web-app containers from a spec (launcher.ts),
// readiness checks, the activity record shared with the proxy, its labels and errors.

/**
 * Web-app containers from a spec: launch, readiness, activity, purge and eviction.
 * @module harpoon/launcher
 */
export { Launcher, type LauncherOptions, type Launched, type LaunchedInfo } from './launcher.ts';
export {
  DEFAULT_INPUT_PATH,
  DEFAULT_FILES_DIR,
  type LaunchSpec,
  type InputFile,
  type InputMode,
  type HealthcheckSpec,
} from './spec.ts';
export { waitFor, type ReadyCheck } from './readiness.ts';
export { FileActivityStore, defaultStateDir, type ActivityStore, type Visit } from './activity.ts';
export type { PublishedPort } from './ports.ts';
export { LAUNCHER_LABEL, SESSION_LABEL, PORT_LABEL } from './labels.ts';
export {
  InputTooLargeError,
  LaunchTimeoutError,
  LaunchFailedError,
  NotReadyError,
  NotManagedError,
  INPUT_JSON_ENV_LIMIT,
} from './errors.ts';
