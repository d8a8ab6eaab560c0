// harpoon/project: the dockerutils project model for Node users — open a project, list its
// images, plan builds and runs as data. What a user calls and the types they name; the parsers
// and renderers behind it stay internal (the CLI imports them from their own files).

/**
 * The dockerutils project model: open a project, list its images, plan builds and runs as data.
 * @module harpoon/project
 */
export { openProject, planImageBuild, planImageClean, planImageRun } from './project.ts';
export type { OpenProjectOptions, PlanImageRunOptions, Project } from './project.ts';
export type { BuildImageOptions, PlannedBuild, PullDecision, ScriptSource } from './build-plan.ts';
export type { RunImageOptions, RunPlan } from './run-plan.ts';
export type { CatalogueImage, FromImage } from './images.ts';
export type { ImageKind, ProjectConfig } from './config.ts';
export type { ProjectRoot } from './root.ts';
export type { ProjectContext } from './settings.ts';
export { runScript, type ScriptOptions, type ScriptOutcome } from './build-script.ts';
export { formatCommand } from './print-command.ts';
export {
  ImageCycleError,
  ProjectConfigError,
  ProjectImageError,
  ProjectNotFoundError,
  ProjectOptionError,
} from './errors.ts';
