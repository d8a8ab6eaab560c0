// A pre_build_script / post_build_script run: argv as the config splits it (no shell, as
// dockerutils ran them), in the project root, this process's stdin, its output handed to the
// caller. The result is an exit code in docker's terms: the script's own, 127 when the program
// is not found, 126 when it cannot be executed, 128+n when a signal ended it.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** How a pre/post build script runs: its working folder, environment and output. */
export interface ScriptOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Aborting sends the script SIGTERM. */
  signal?: AbortSignal;
}

/** How a build script ended: its exit code (128 + n for signal n), or why it could not start. */
export interface ScriptOutcome {
  exitCode: number;
  /** Why it could not start (not found, not executable), when it did not. */
  startError?: string;
}

/** Run a build script's argv without a shell; resolves with how it ended. */
export function runScript(argv: readonly string[], options: ScriptOptions): Promise<ScriptOutcome> {
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(file!, args, { cwd: options.cwd, env: options.env, stdio: ['inherit', 'pipe', 'pipe'] });
    const onAbort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => options.onOutput('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => options.onOutput('stderr', chunk));
    let settled = false;
    const settle = (outcome: ScriptOutcome) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') settle({ exitCode: 127, startError: `${file}: not found` });
      else if (err.code === 'EACCES' || err.code === 'ENOEXEC')
        settle({ exitCode: 126, startError: `${file}: cannot be executed (${err.code})` });
      else settle({ exitCode: 126, startError: `${file}: ${err.message}` });
    });
    child.once('close', (code, signal) => settle({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0) }));
  });
}
