// The orchestrator's config layer: config directory, variables, unit files → Unit (model.ts).
export { resolveConfigDir, SYSTEM_CONFIG_DIR, type ConfigDirChoice, type ConfigDirInput } from './confdir.ts';
export { UnitConfigError, UnitVariableError, ConfigDirError, describePlace, type ConfigPlace } from './errors.ts';
export {
  loadVariables,
  listEnvironments,
  parseSetFlags,
  type Variables,
  type VariableValue,
  type VariableInput,
  type SetValues,
} from './variables.ts';
export { substituteTemplate, SubstitutionLog, isSecretName } from './substitute.ts';
export { ORDER_ARGS, ORDER_COMMANDS } from './orders-schema.ts';
export { DERIVED_COMMANDS, isDerivable, holdsUnitVolumes, startOrder, type DerivedCommand } from './derive.ts';
export {
  loadUnit,
  listUnits,
  unitNames,
  commandFile,
  type LoadUnitInput,
  type LoadedUnit,
  type UnitListing,
} from './load.ts';
