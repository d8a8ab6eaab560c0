// harpoon build -t TAG [-f FILE|-] [CONTEXT]: docker build, from a directory, from
// Dockerfile lines on stdin, or both. Progress goes to stderr; the image id to stdout.
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { text } from 'node:stream/consumers';
import type { BuildOptions } from '../../index.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { UsageError } from '../exit.ts';
import { BuildProgress, progressMode } from '../progress.ts';
import { parseKeyValues } from './key-values.ts';

export interface BuildFlags extends GlobalFlags {
  tag: string[];
  file?: string;
  buildArg: string[];
  label: string[];
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export async function build(context: string | undefined, flags: BuildFlags): Promise<number> {
  const options: BuildOptions = {
    tags: flags.tag,
    buildArgs: parseKeyValues(flags.buildArg, '--build-arg'),
    labels: parseKeyValues(flags.label, '--label'),
    ...(flags.target ? { target: flags.target } : {}),
    ...(flags.noCache ? { noCache: true } : {}),
    ...(flags.pull ? { pull: true } : {}),
  };
  if (context === '-')
    throw new UsageError(
      'a tar context on stdin is not supported; use -f - for Dockerfile lines on stdin, or a directory',
    );
  if (context !== undefined) options.directory = resolve(context);
  if (flags.file === '-') {
    options.dockerfile = await text(process.stdin);
  } else if (flags.file !== undefined) {
    const path = resolve(flags.file);
    const inside = options.directory ? relative(options.directory, path) : undefined;
    if (inside !== undefined && !inside.startsWith(`..${sep}`) && inside !== '..')
      options.dockerfilePath = inside.split(sep).join('/');
    else options.dockerfile = readFileSync(path, 'utf8');
  }
  if (options.directory === undefined && options.dockerfile === undefined) {
    throw new UsageError('requires a context directory (e.g. "."), or Dockerfile lines on stdin with -f -');
  }

  const client = await connect(flags);
  const progress = new BuildProgress(process.stderr, progressMode(process.stderr, flags));
  try {
    const result = await client.build({ ...options, onProgress: progress.handle });
    progress.finish();
    process.stdout.write(
      flags.json ? `${JSON.stringify({ imageId: result.imageId, tags: result.tags })}\n` : `${result.imageId}\n`,
    );
    return 0;
  } finally {
    progress.finish();
  }
}
