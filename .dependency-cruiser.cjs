// The layer rule of src/, checked by test/unit/layers.test.ts (and `npm run layers`): imports go
// only downward, cli → orchestrator | proxy | project → launcher → core, and core imports no
// other module. Each rule says why in its comment; a violation names the file and the import.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  // Imports of src/cli from elsewhere are reported once, by only-cli-imports-cli.
  forbidden: [
    {
      name: 'core-imports-no-module',
      comment: 'src/core is the bottom layer: every other module builds on it, so it imports none of them.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/(core|cli)/' },
    },
    {
      name: 'only-cli-imports-cli',
      comment:
        'src/cli is the top layer (commands and rendering): a library module must not need it. Move shared code down.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'launcher-imports-only-core',
      comment: 'src/launcher sits right above core.',
      severity: 'error',
      from: { path: '^src/launcher/' },
      to: { path: '^src/', pathNot: '^src/(core|launcher|cli)/' },
    },
    {
      name: 'proxy-imports-only-core-and-launcher',
      comment: 'proxy, orchestrator and project are siblings: each builds on core and launcher, never on each other.',
      severity: 'error',
      from: { path: '^src/proxy/' },
      to: { path: '^src/', pathNot: '^src/(core|launcher|proxy|cli)/' },
    },
    {
      name: 'orchestrator-imports-only-core-and-launcher',
      comment: 'proxy, orchestrator and project are siblings: each builds on core and launcher, never on each other.',
      severity: 'error',
      from: { path: '^src/orchestrator/' },
      to: { path: '^src/', pathNot: '^src/(core|launcher|orchestrator|cli)/' },
    },
    {
      name: 'project-imports-only-core-and-launcher',
      comment: 'proxy, orchestrator and project are siblings: each builds on core and launcher, never on each other.',
      severity: 'error',
      from: { path: '^src/project/' },
      to: { path: '^src/', pathNot: '^src/(core|launcher|project|cli)/' },
    },
    {
      name: 'nothing-imports-the-root-index',
      comment:
        'src/index.ts re-exports every module for users; a library module importing it would depend on all the others.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle makes load order matter and the layers meaningless. Type-only imports are left out: they vanish at run time ' +
        '(e.g. core/image/transfer.ts naming the Harpoon type of core/client.ts).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
