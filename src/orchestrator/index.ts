// The orchestrator: YAML units of containers with orders. See docs/units-format.md and docs/orchestrator.md.
export * from './model.ts';
export { openUnit, explainUnit, runUnit, type UnitOptions, type LoadedUnit, type RunUnitOptions } from './units.ts';
export { runPlan, UnitRunError, type RunEvent, type RunResult as UnitRunResult, type StepResult, type RunPlanOptions } from './run.ts';
export { planRun, selectOrders, describeOrder, type Plan, type Step } from './plan/plan.ts';
export { explainPlan, type ExplainedStep } from './plan/explain.ts';
export { parseTarget, type RunTarget } from './plan/target.ts';
export { configHash } from './apply/hash.ts';
export { OrderError } from './errors.ts';
export * from './config/index.ts';
export * from './checks/index.ts';
export * from './backup/index.ts';
