// The launcher module: web-app containers from a spec (see launcher.ts).
export { Launcher, type LauncherOptions, type Launched, type LaunchedInfo } from './launcher.ts';
export { normalizeSpec, generateName, DEFAULT_INPUT_PATH, DEFAULT_FILES_DIR, DEFAULT_READY_TIMEOUT_MS, type LaunchSpec, type InputFile, type InputMode, type HealthcheckSpec } from './spec.ts';
export { waitFor, parseWaitFlag, describeCheck, listensOn, type ReadyCheck } from './readiness.ts';
export { FileActivityStore, defaultStateDir, type ActivityStore, type Visit } from './activity.ts';
export { pickBinding, urlHost, type PortBinding, type PublishedPort } from './ports.ts';
export { LAUNCHER_LABEL, SESSION_LABEL, PORT_LABEL, MEMORY_LABEL, INPUT_MODE_LABEL } from './labels.ts';
export { InputTooLargeError, LaunchTimeoutError, LaunchFailedError, NotReadyError, NotManagedError, INPUT_JSON_ENV_LIMIT, ENV_STRING_LIMIT } from './errors.ts';
