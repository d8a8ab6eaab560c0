#!/usr/bin/env node
// The `harpoon` executable (dist/cli/bin.js in the package: plain JavaScript, compiled when the
// package is built). `--version` answers from package.json without loading the CLI; everything
// else loads main.ts, which loads each command's code only when that command runs.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  process.stdout.write(`${version}\n`);
} else {
  await import('./main.ts');
}
