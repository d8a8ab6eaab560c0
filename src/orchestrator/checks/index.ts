// The orchestrator's checks (daemon and job), startup waits, and their JUnit report.
export { runDaemonCheck, publishedPort, CHECK_HOST } from './daemon.ts';
export { runJobCheck } from './job.ts';
export { waitForStartup, describeStartup, StartupError, type StartupFailure } from './startup.ts';
export { junitXml, xmlEscape } from './junit.ts';
export { containerOutput, mergeByTimestamp } from './output.ts';
export type { CheckResult } from './result.ts';
