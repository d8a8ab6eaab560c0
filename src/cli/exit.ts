// Exit codes and error output, as the docker CLI does them:
// 125 harpoon or engine error, 126 command cannot run, 127 command not found,
// otherwise the container's own code.
import { exitCodeFor, HarpoonError } from '../core/errors.ts';
import { DockError } from './docks/store.ts';
import { ProjectOptionError } from '../project/errors.ts';

export const EXIT_ENGINE = 125;

/** A command-line usage problem: printed with a hint, exit 125 (docker's code for bad flags). */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_ENGINE) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function reportError(err: unknown, command: string): number {
  if (err instanceof UsageError || err instanceof ProjectOptionError) {
    // A build/run option the project model refused is a flag problem to the CLI user.
    process.stderr.write(`harpoon ${command}: ${err.message}\nSee 'harpoon ${command} --help'.\n`);
    return err instanceof UsageError ? err.exitCode : EXIT_ENGINE;
  }
  if (err instanceof DockError) {
    // A dock named as an argument that does not exist: 1, as `docker --context NAME` for a missing context.
    process.stderr.write(`harpoon ${command}: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof HarpoonError) {
    process.stderr.write(`harpoon: ${err.message}\n`);
    return exitCodeFor(err);
  }
  process.stderr.write(`harpoon: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT_ENGINE;
}
