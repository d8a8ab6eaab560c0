// Run the harpoon CLI as a real process, from any folder: dist/cli/bin.js, the executable as
// the package ships it (plain JavaScript; built from src/ first when stale).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
const ROOT = join(import.meta.dirname, '..', '..');
/** The repository's root. */
export const REPO_ROOT = ROOT;
import { ensureBuilt } from '../../scripts/build.ts';

/** `node dist/cli/bin.js`: works from any working directory. */
ensureBuilt();
export const HARPOON_BIN = [process.execPath, join(ROOT, 'dist/cli/bin.js')];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The whole environment of the process (not merged with this one's). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Run `harpoon ARGS` to its end; rejects (after killing it) when it outlives the timeout. */
export function harpoonCli(args: string[], options: CliOptions): Promise<CliResult> {
  const [file, ...pre] = HARPOON_BIN;
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, [...pre, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`harpoon ${args.join(' ')} did not end within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** For assertion messages. */
export const showResult = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/**
 * This process's environment without what would steer the CLI elsewhere (a docker context,
 * a docker config, registry credentials), plus `extra`. DOCKER_HOST is kept: it is how the
 * tests' own client found the engine too.
 */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      value !== undefined &&
      !/^(DOCKER_(CONTEXT|CONFIG|TLS|TLS_VERIFY|CERT_PATH)|HARPOON_(REGISTRY_|DOCK$))/.test(key)
    )
      env[key] = value;
  }
  return { ...env, ...extra };
}
