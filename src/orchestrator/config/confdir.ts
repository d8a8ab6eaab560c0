// Which config directory holds the units: `-c DIR` > $HARPOON_CONF > ~/.harpoon > /etc/harpoon.
// An explicit choice (flag or variable) that does not exist is an error rather than a silent
// fall-through: the user asked for that folder, and using another one would run other units.
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigDirError } from './errors.ts';

/** The config directory chosen, and why. */
export interface ConfigDirChoice {
  /** Absolute path of the config directory. */
  dir: string;
  /** Why this one, e.g. "-c flag", "$HARPOON_CONF", "~/.harpoon (exists)". */
  reason: string;
}

/** What chooses the config directory: the `-c` flag, the environment, the home directory. */
export interface ConfigDirInput {
  /** The `-c DIR` flag. */
  flag?: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The system-wide fallback; a parameter so tests need not touch /etc. */
  system?: string;
  /** Relative `-c` / $HARPOON_CONF paths are resolved against this (default process.cwd()). */
  cwd?: string;
}

/** The system-wide config directory, the last one tried. */
export const SYSTEM_CONFIG_DIR = '/etc/harpoon';

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The config directory: `-c DIR`, else $HARPOON_CONF, else ~/.harpoon, else /etc/harpoon. */
export function resolveConfigDir(input: ConfigDirInput): ConfigDirChoice {
  const cwd = input.cwd ?? process.cwd();
  const explicit: [string | undefined, string][] = [
    [input.flag, '-c flag'],
    [input.env.HARPOON_CONF, '$HARPOON_CONF'],
  ];
  for (const [given, reason] of explicit) {
    if (given === undefined || given === '') continue;
    const dir = resolve(cwd, given);
    if (!isDir(dir)) {
      throw new ConfigDirError(`The config directory ${dir} (from ${reason}) does not exist or is not a folder.`, [
        `${reason}: ${dir}`,
      ]);
    }
    return { dir, reason };
  }
  const tried = ['-c flag: not given', '$HARPOON_CONF: not set'];
  const fallbacks: [string, string][] = [
    [join(input.home, '.harpoon'), '~/.harpoon'],
    [input.system ?? SYSTEM_CONFIG_DIR, input.system ?? SYSTEM_CONFIG_DIR],
  ];
  for (const [dir, reason] of fallbacks) {
    if (isDir(dir)) return { dir, reason: `${reason} (exists)` };
    tried.push(`${dir}: does not exist`);
  }
  throw new ConfigDirError(
    `No config directory found. Tried: ${tried.join('; ')}. Give one with -c DIR or $HARPOON_CONF, or create ~/.harpoon with units/<unit>/start.yaml.`,
    tried,
  );
}
