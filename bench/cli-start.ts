// cli-start: whole-process time of the command line, `harpoon --version` against
// `docker --version` (neither talks to an engine). `harpoon --version` takes a fast path in
// bin.js that loads neither tsx nor the client; cli-start-help shows the full start-up
// (tsx, commander, dockerode) for comparison, against `docker --help`. Lower is faster.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { interleaved, reportTimes, type Bench, type Contestant } from './lib.ts';

const BIN = join(import.meta.dirname, '..', 'src', 'cli', 'bin.js');

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (err, stdout) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}`));
      else if (!stdout.trim()) reject(new Error(`${file} ${args.join(' ')} printed nothing`));
      else resolve();
    });
  });
}

export const cliStartBench: Bench = {
  name: 'cli-start',
  lines: ['cli-start', 'cli-start-help'],
  async run(_ctx, wanted) {
    const pairs: Array<[string, string[], string[]]> = [
      ['cli-start', ['--version'], ['--version']],
      ['cli-start-help', ['--help'], ['--help']],
    ];
    for (const [line, ours, theirs] of pairs) {
      if (!wanted.has(line)) continue;
      const contestants: Contestant[] = [
        { name: 'harpoon', fn: () => run(process.execPath, [BIN, ...ours]) },
        { name: 'docker', fn: () => run('docker', theirs) },
      ];
      const samples = await interleaved(line, contestants, { warmup: 3, iterations: 20 });
      reportTimes(line, samples.get('harpoon')!, samples.get('docker')!);
    }
  },
};
