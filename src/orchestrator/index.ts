// The orchestrator's public surface (`harpoon/orchestrator`): YAML units of containers with
// orders (docs/units-format.md, docs/orchestrator.md): open, explain and run one; the model
// types a caller names; the labels it sets; its errors.

/**
 * YAML units of containers with ordered commands: open, explain and run them.
 * @module harpoon/orchestrator
 */
export type * from './model.ts';
export { UNIT_LABEL, UNIT_CONTAINER_LABEL, CONFIG_HASH_LABEL } from './model.ts';
export { openUnit, explainUnit, runUnit, type UnitOptions, type LoadedUnit, type RunUnitOptions } from './units.ts';
export { UnitRunError, type RunEvent, type RunResult as UnitRunResult, type StepResult } from './run.ts';
export type { ExplainedStep } from './plan/explain.ts';
export { OrderError } from './errors.ts';
export { listUnits, type UnitListing } from './config/load.ts';
export { resolveConfigDir, type ConfigDirChoice, type ConfigDirInput } from './config/confdir.ts';
export { UnitConfigError, UnitVariableError, ConfigDirError, type ConfigPlace } from './config/errors.ts';
export type { CheckResult } from './checks/result.ts';
export { StartupError } from './checks/startup.ts';
export { BackupError } from './backup/errors.ts';
export type { BackupManifest } from './backup/backup.ts';
