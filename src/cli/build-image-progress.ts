// build-image's progress, image after image: a header per image (its place in the build order),
// its pull decision, its scripts and their output, then the build's own progress as `harpoon
// build` shows it (BuildProgress: steps and a status line on a terminal, plain lines otherwise).
// With --json, one JSON object per line, each naming its image.
import type { BuildEvent } from '../index.ts';
import type { PlannedBuild } from '../project/build-plan.ts';
import { formatCommand } from '../project/print-command.ts';
import { formatDuration, shortId } from './progress-format.ts';
import { BuildProgress, type ProgressMode } from './progress.ts';

const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

export type ScriptPhase = 'pre' | 'post';

/** The JSON lines of --json (build events carry `image` and, for the builder stage, `stage`). */
export type BuildImageEvent =
  | {
      type: 'image-start';
      image: string;
      reference: string;
      builder?: string;
      index: number;
      total: number;
      asDependency: boolean;
    }
  | { type: 'pull'; image: string; pull: boolean; external: string[]; note?: string }
  | { type: 'script'; image: string; phase: ScriptPhase; argv: string[] }
  | { type: 'script-output'; image: string; phase: ScriptPhase; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'image-built'; image: string; reference: string; imageId: string; durationMs: number }
  | ({ image: string; stage?: string } & BuildEvent);

export class BuildImageProgress {
  readonly #out: NodeJS.WriteStream;
  readonly #mode: ProgressMode;
  #stage: BuildProgress | undefined;
  /** Partial lines of script output, per stream (JSON mode sends whole lines). */
  readonly #partial = new Map<string, string>();

  constructor(out: NodeJS.WriteStream, mode: ProgressMode) {
    this.#out = out;
    this.#mode = mode;
  }

  #json(event: BuildImageEvent): void {
    this.#out.write(`${JSON.stringify(event)}\n`);
  }

  #line(text: string, bold = false): void {
    if (this.#mode === 'quiet') return;
    this.#out.write(bold && this.#mode === 'tty' ? `${BOLD}${text}${RESET}\n` : `${text}\n`);
  }

  start(build: PlannedBuild, index: number, total: number): void {
    if (this.#mode === 'json') {
      this.#json({
        type: 'image-start',
        image: build.image,
        reference: build.reference,
        ...(build.builder ? { builder: build.builder } : {}),
        index,
        total,
        asDependency: build.asDependency,
      });
      if (build.pull.wanted)
        this.#json({
          type: 'pull',
          image: build.image,
          pull: build.pull.pull,
          external: build.pull.external,
          ...(build.pull.note ? { note: build.pull.note } : {}),
        });
      return;
    }
    const why = build.asDependency ? ' (a base of the image asked for: -f)' : '';
    this.#line(
      `==> [${index}/${total}] ${build.image}: building ${build.reference}${build.builder ? ` (its builder stage as ${build.builder})` : ''}${why}`,
      true,
    );
    if (build.pull.wanted)
      this.#line(
        build.pull.pull ? `pull: the engine pulls ${build.pull.external.join(', ')}` : `pull: ${build.pull.note}`,
      );
  }

  script(build: PlannedBuild, phase: ScriptPhase, argv: string[]): void {
    if (this.#mode === 'json') this.#json({ type: 'script', image: build.image, phase, argv });
    else this.#line(`Running ${phase}_build_script: ${formatCommand(argv)}`);
  }

  /** A script's output: passed through as it comes (also with -q), or as JSON lines. */
  scriptOutput(build: PlannedBuild, phase: ScriptPhase, stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.#mode !== 'json') {
      this.#out.write(chunk);
      return;
    }
    const key = `${phase}:${stream}`;
    const lines = ((this.#partial.get(key) ?? '') + chunk.toString('utf8')).split('\n');
    this.#partial.set(key, lines.pop() ?? '');
    for (const text of lines) this.#json({ type: 'script-output', image: build.image, phase, stream, text });
  }

  /** The end of a script's output: a last line without a newline is sent too. */
  scriptDone(build: PlannedBuild, phase: ScriptPhase): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const key = `${phase}:${stream}`;
      const rest = this.#partial.get(key);
      this.#partial.delete(key);
      if (rest && this.#mode === 'json')
        this.#json({ type: 'script-output', image: build.image, phase, stream, text: rest });
    }
  }

  /** The handler for one docker build of the image (the builder stage, or the image itself). */
  buildHandler(build: PlannedBuild, stage?: string): (event: BuildEvent) => void {
    if (this.#mode === 'json')
      return (event) => this.#json({ image: build.image, ...(stage ? { stage } : {}), ...event });
    this.#stage?.finish();
    if (stage) this.#line(`${build.image}: the ${stage} stage, tagged ${build.builder}`);
    const progress = new BuildProgress(this.#out, this.#mode);
    this.#stage = progress;
    return progress.handle;
  }

  built(build: PlannedBuild, imageId: string, durationMs: number): void {
    this.#stage?.finish();
    this.#stage = undefined;
    if (this.#mode === 'json')
      this.#json({ type: 'image-built', image: build.image, reference: build.reference, imageId, durationMs });
    else this.#line(`Built ${build.reference} (${shortId(imageId)}) in ${formatDuration(durationMs)}`);
  }

  finish(): void {
    this.#stage?.finish();
    this.#stage = undefined;
  }
}
