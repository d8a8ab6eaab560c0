// run-cli / run-stdin: the `harpoon run` command as users get it (the installed package's
// dist/cli/bin.js, CLI start-up included) against `docker run`, whole processes, interleaved.
//   run-cli    harpoon run --rm IMAGE true                 vs  docker run --rm IMAGE true
//   run-stdin  50 MiB piped into harpoon run -i --rm IMAGE wc -c
//                                                          vs  the same into docker run -i --rm IMAGE wc -c
// Goals (issue 15): both ratios ≤ 1.1.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { installedBin } from './cli-start.ts';
import { cliEnv, interleaved, reportTimes, type Bench, type Contestant } from './lib.ts';

const RUN = { warmup: 3, iterations: 15 };
const STDIN = { warmup: 2, iterations: 10 };
const STDIN_BYTES = 50 * 1024 * 1024;

/**
 * Run `file args` to completion; stdin from `input` (a file streamed into a pipe, as `cat F |`
 * would) or none. Resolves with stdout; rejects on a non-zero exit, with stderr.
 */
function runProcess(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: cliEnv(), stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    if (input) {
      const source = createReadStream(input);
      source.on('error', (e) => child.kill() && reject(e));
      // A reader that quits early (EPIPE) shows as a wrong count below.
      child.stdin!.on('error', () => {});
      source.pipe(child.stdin!);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${file} ${args.join(' ')} exited ${code ?? signal}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`,
          ),
        );
    });
  });
}

export const runCliBench: Bench = {
  name: 'run-cli',
  lines: ['run-cli', 'run-stdin'],
  async run(ctx, wanted) {
    const image = await ctx.baseImage();
    const bin = installedBin(ctx);
    const labels = ['--label', `harpoon.bench=${ctx.runId}`];
    const harpoon = (args: string[], input?: string) => runProcess(process.execPath, [bin, 'run', ...args], input);
    const docker = (args: string[], input?: string) => runProcess('docker', ['run', ...args], input);

    if (wanted.has('run-cli')) {
      const contestants: Contestant[] = [
        { name: 'harpoon', fn: () => harpoon(['--rm', ...labels, image, 'true']) },
        { name: 'docker', fn: () => docker(['--rm', ...ctx.cliRunLabelArgs, image, 'true']) },
      ];
      const samples = await interleaved('run-cli', contestants, RUN);
      reportTimes('run-cli', samples.get('harpoon')!, samples.get('docker')!);
    }

    if (wanted.has('run-stdin')) {
      // Random bytes (nothing on the way can shrink them), written once, deleted at cleanup.
      const dir = mkdtempSync(join(tmpdir(), 'harpoon-bench-stdin-'));
      ctx.onCleanup(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'input');
      const out = createWriteStream(file);
      for (let left = STDIN_BYTES; left > 0; left -= 1024 * 1024) out.write(randomBytes(Math.min(left, 1024 * 1024)));
      out.end();
      await finished(out);
      // `wc -c` reads every byte as `cat >/dev/null` would, and its count proves they all arrived.
      const check = (who: string) => (stdout: string) => {
        if (stdout.trim() !== String(STDIN_BYTES))
          throw new Error(`${who}: the container read ${stdout.trim()} bytes, not ${STDIN_BYTES}`);
      };
      const contestants: Contestant[] = [
        {
          name: 'harpoon',
          fn: () => harpoon(['-i', '--rm', ...labels, image, 'wc', '-c'], file).then(check('harpoon')),
        },
        {
          name: 'docker',
          fn: () => docker(['-i', '--rm', ...ctx.cliRunLabelArgs, image, 'wc', '-c'], file).then(check('docker')),
        },
      ];
      const samples = await interleaved('run-stdin', contestants, STDIN);
      reportTimes('run-stdin', samples.get('harpoon')!, samples.get('docker')!);
    }
  },
};
