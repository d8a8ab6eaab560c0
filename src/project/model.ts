// The dockerutils project model in one barrel: the project root, docker/dockerutils.cfg checked and
// resolved into data, the image catalogue with its build order. Internal: users import ./index.ts.
export * from './errors.ts';
export {
  parseIni,
  optionNames,
  lookup,
  interpolate,
  getValue,
  DEFAULT_SECTION,
  type IniDocument,
  type IniSection,
  type IniEntry,
} from './ini.ts';
export {
  findProjectRoot,
  openProjectRoot,
  listImageFolders,
  DOCKER_DIR,
  CONFIG_FILE,
  type ProjectRoot,
} from './root.ts';
export * from './config.ts';
export * from './settings.ts';
export * from './run-flags.ts';
export { parseBuildFlags, type BuildFlags } from './build-flags.ts';
export { shellWords } from '../core/spec/shell-words.ts';
export { substitute, checkSyntax, envLookup, type EnvLookup, type Substitution } from './variables.ts';
export { dockerfileStages, repositoryOf, tagOf, type DockerfileStage } from './dockerfile.ts';
export * from './images.ts';
export * from './request.ts';
export * from './publication.ts';
export { loadProject, type LoadedProject } from './load.ts';
