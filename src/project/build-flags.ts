// The `build_args` key: docker build flags (dockerutils pasted the text into its docker build
// command line), read into data for the Engine API's build parameters.
import { ValueError } from './errors.ts';
import { parseFlags, type FlagSpec } from './flag-parser.ts';
import { splitAssignment } from './run-flags.ts';
import type { EnvLookup } from './variables.ts';

export interface BuildFlags {
  /** --build-arg K=V ("a=b=c" keeps "b=c"); a bare K takes the caller's environment value (dropped when unset). */
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  network?: string;
  platform?: string;
}

export function parseBuildFlags(words: readonly string[], env: EnvLookup): BuildFlags {
  const specs: FlagSpec<BuildFlags>[] = [
    {
      names: ['--build-arg'],
      takesValue: true,
      apply(flags, item, flag) {
        const [key, value] = splitAssignment(item, flag);
        const resolved = value ?? env(key);
        if (resolved !== undefined) flags.buildArgs[key] = resolved;
      },
    },
    {
      names: ['--label'],
      takesValue: true,
      apply(flags, item, flag) {
        const [key, value] = splitAssignment(item, flag);
        flags.labels[key] = value ?? '';
      },
    },
    { names: ['--no-cache'], takesValue: false, apply: (f, v) => void (f.noCache = v === 'true') },
    { names: ['--pull'], takesValue: false, apply: (f, v) => void (f.pull = v === 'true') },
    { names: ['--network'], takesValue: true, apply: (f, v) => void (f.network = v) },
    {
      names: ['--platform'],
      takesValue: true,
      apply(f, v, flag) {
        if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(v))
          throw new ValueError(`${flag} "${v}" is not OS/ARCH[/VARIANT] such as linux/amd64`);
        f.platform = v;
      },
    },
  ];
  return parseFlags(words, specs, { buildArgs: {}, labels: {} });
}
