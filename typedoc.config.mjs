// TypeDoc: the API reference, generated from the TSDoc comments into docs/api/ (not committed).
// `npm run docs` makes it. One entry point per package entry (harpoon, harpoon/launcher, ...);
// src/project/index.ts joins the list by itself once it exists.
import { existsSync } from 'node:fs';

const entryPoints = [
  'src/index.ts',
  'src/launcher/index.ts',
  'src/proxy/index.ts',
  'src/orchestrator/index.ts',
  'src/project/index.ts',
].filter((file) => existsSync(file));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints,
  entryPointStrategy: 'resolve',
  out: 'docs/api',
  tsconfig: 'tsconfig.json',
  name: 'harpoon',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  sort: ['source-order'],
  // No links to a hosted repository: the reference is made from a clone, for reading locally.
  disableSources: true,
  validation: { notExported: false, invalidLink: true, notDocumented: false },
};
