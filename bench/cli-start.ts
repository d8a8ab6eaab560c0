// cli-start: whole-process time of the `harpoon` command as users get it: the package packed
// and installed with npm into an empty project (node_modules/.bin/harpoon, plain JavaScript),
// against what it sits on and what it replaces, interleaved in the same run. Lower is faster.
//   cli-start         harpoon --version   vs  node -e 0            (Node's own start-up; goal ratio ≤ 1.5)
//   cli-start-docker  harpoon --version   vs  docker --version
//   cli-start-help    harpoon --help      vs  docker --help        (commander and the help texts)
//   cli-start-info    harpoon info        vs  docker info          (the engine client too, and one round trip)
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interleaved, LOCAL_HOST, reportTimes, type Bench, type BenchContext, type Contestant } from './lib.ts';

const ROOT = join(import.meta.dirname, '..');

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', env }, (err, stdout) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}`));
      else if (!stdout.trim() && !(file === process.execPath && args[0] === '-e'))
        reject(new Error(`${file} ${args.join(' ')} printed nothing`));
      else resolve();
    });
  });
}

/** Pack this checkout and install it into an empty project; the installed bin's path. */
function installPackage(dir: string): string {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as Array<{ filename: string }>;
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{"name":"bench-consumer","version":"1.0.0","private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(dir, packed[0]!.filename)], {
    cwd: project,
    stdio: 'ignore',
  });
  return join(project, 'node_modules', 'harpoon', 'dist', 'cli', 'bin.js');
}

let installed: string | undefined;

/**
 * The `harpoon` executable as users get it (the installed package's dist/cli/bin.js), packed
 * and installed once per bench run (cli-start and run-cli share it); deleted at cleanup.
 */
export function installedBin(ctx: BenchContext): string {
  if (installed) return installed;
  const dir = mkdtempSync(join(tmpdir(), 'harpoon-bench-cli-'));
  ctx.onCleanup(() => {
    rmSync(dir, { recursive: true, force: true });
    installed = undefined;
  });
  installed = installPackage(dir);
  return installed;
}

export const cliStartBench: Bench = {
  name: 'cli-start',
  lines: ['cli-start', 'cli-start-docker', 'cli-start-help', 'cli-start-info'],
  async run(ctx, wanted) {
    const bin = installedBin(ctx);
    // Only ever the local engine.
    const env = { ...process.env, DOCKER_HOST: LOCAL_HOST };
    const harpoon = (args: string[]) => () => run(process.execPath, [bin, ...args], env);
    const pairs: Array<[string, Contestant, Contestant]> = [
      [
        'cli-start',
        { name: 'harpoon', fn: harpoon(['--version']) },
        { name: 'node', fn: () => run(process.execPath, ['-e', '0']) },
      ],
      [
        'cli-start-docker',
        { name: 'harpoon', fn: harpoon(['--version']) },
        { name: 'docker', fn: () => run('docker', ['--version']) },
      ],
      [
        'cli-start-help',
        { name: 'harpoon', fn: harpoon(['--help']) },
        { name: 'docker', fn: () => run('docker', ['--help']) },
      ],
      [
        'cli-start-info',
        { name: 'harpoon', fn: harpoon(['info']) },
        { name: 'docker', fn: () => run('docker', ['-H', LOCAL_HOST, 'info'], env) },
      ],
    ];
    for (const [line, ours, anchor] of pairs) {
      if (!wanted.has(line)) continue;
      const samples = await interleaved(line, [ours, anchor], { warmup: 3, iterations: 20 });
      reportTimes(line, samples.get('harpoon')!, samples.get(anchor.name)!);
    }
  },
};
