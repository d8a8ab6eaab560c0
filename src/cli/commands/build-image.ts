// harpoon build-image NAME|all|clean: dockerutils' build-image over the Engine API. Run from
// inside a project (the first folder upward holding docker/): NAME is a folder docker/NAME with
// a Dockerfile, built with the project root as context and named <project>-NAME:<login name>
// (name=, prefix=, tag= in docker/dockerutils.cfg change that). Per image: pre_build_script, the
// `builder` stage of a multi-stage Dockerfile (tagged <name>-builder), the image,
// post_build_script. `all` builds every image folder, each after the project images it is built
// FROM (dockerutils went by directory order). `clean` removes what build-image built: the
// project's images carrying harpoon.image=true, nothing else.
// stdout: `REFERENCE ID` per image built (or, with --json, the result); progress on stderr.
import { IMAGE_LABEL, ImageNotFoundError, MANAGED_VALUE, type Harpoon } from '../../index.ts';
import { BuildImageProgress, type ScriptPhase } from '../build-image-progress.ts';
import {
  buildCommandLines,
  buildStages,
  CLEAN,
  planImageBuilds,
  planClean,
  type BuildImageOptions,
  type PlannedBuild,
} from '../../project/build-plan.ts';
import { runScript } from '../../project/build-script.ts';
import { connect, type GlobalFlags } from '../connect.ts';
import { engineChoice } from '../engine-choice.ts';
import { dockerRmi, formatCommand } from '../../project/print-command.ts';
import { projectContext } from '../../project/context.ts';
import { loadProject, type ProjectRoot } from '../../project/model.ts';
import { progressMode } from '../progress.ts';
import { StopSignals } from '../stop-signals.ts';

export interface BuildImageFlags extends GlobalFlags {
  /** -f: also build the project images NAME is built FROM; pull where pull_FROM_on_force = True. */
  force?: boolean;
  /** -p: pull the FROM images that come from a registry. */
  pull?: boolean;
  /** -i: the image name (repository) instead of <project>-NAME. */
  image?: string;
  /** -t: the tag instead of the login name. */
  tag?: string;
  noCache?: boolean;
  quiet?: boolean;
  json?: boolean;
  /** Print the equivalent commands on stdout and do nothing else. */
  printCommand?: boolean;
}

/** One image of --json's result. */
export interface BuiltImage {
  image: string;
  reference: string;
  imageId: string;
  builder?: { reference: string; imageId: string };
  /** The engine was told to pull the FROM images. */
  pulled: boolean;
  asDependency: boolean;
  durationMs: number;
}

export interface BuildImageOutput {
  project: string;
  root: string;
  images: BuiltImage[];
}

export interface CleanOutput {
  removed: string[];
  /** Not on the engine. */
  absent: string[];
  /** On the engine but not built by harpoon (no harpoon.image=true): left alone. */
  skipped: string[];
  failed: Array<{ reference: string; error: string }>;
}

export async function buildImage(
  target: string,
  flags: BuildImageFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<number> {
  const ctx = projectContext(env);
  const { project, config, catalogue } = await loadProject(cwd, ctx);
  const options: BuildImageOptions = {
    ...(flags.force ? { force: true } : {}),
    ...(flags.pull ? { pull: true } : {}),
    ...(flags.image !== undefined ? { imageName: flags.image } : {}),
    ...(flags.tag !== undefined ? { tag: flags.tag } : {}),
    ...(flags.noCache ? { noCache: true } : {}),
  };
  if (target === CLEAN) return clean(planClean(catalogue, options), flags);

  const plan = planImageBuilds(config, catalogue, ctx, target, options);
  if (flags.printCommand) {
    process.stdout.write(
      buildCommandLines(plan, project.root, engineChoice(flags))
        .map((line) => `${line}\n`)
        .join(''),
    );
    for (const build of plan) if (build.pull.note) process.stderr.write(`# ${build.image}: ${build.pull.note}\n`);
    return 0;
  }

  const client = await connect(flags);
  const progress = new BuildImageProgress(process.stderr, progressMode(process.stderr, flags));
  const stop = new StopSignals();
  const built: BuiltImage[] = [];
  try {
    for (const [index, build] of plan.entries()) {
      const code = await buildOne(client, project, build, index, plan.length, { progress, stop, env, flags, built });
      if (code !== 0) return code;
    }
  } catch (err) {
    progress.finish();
    if (stop.exitCode !== undefined) {
      process.stderr.write(
        `harpoon build-image: interrupted${built.length ? `; built before that: ${built.map((b) => b.reference).join(', ')}` : ''}\n`,
      );
      return stop.exitCode;
    }
    throw err;
  } finally {
    stop.dispose();
  }
  progress.finish();
  if (flags.json) {
    const out: BuildImageOutput = { project: project.name, root: project.root, images: built };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  }
  return 0;
}

interface BuildContext {
  progress: BuildImageProgress;
  stop: StopSignals;
  env: NodeJS.ProcessEnv;
  flags: BuildImageFlags;
  built: BuiltImage[];
}

/** Scripts and builds of one image; a non-zero result stops build-image with that code. */
async function buildOne(
  client: Harpoon,
  project: ProjectRoot,
  build: PlannedBuild,
  index: number,
  total: number,
  c: BuildContext,
): Promise<number> {
  const { progress, stop } = c;
  progress.start(build, index + 1, total);
  const started = Date.now();
  // What a script may want to know; dockerutils gave them nothing but the environment.
  const scriptEnv = {
    ...c.env,
    HARPOON_IMAGE: build.image,
    HARPOON_IMAGE_REFERENCE: build.reference,
    HARPOON_PROJECT_ROOT: project.root,
  };

  const script = async (phase: ScriptPhase, env: NodeJS.ProcessEnv): Promise<number> => {
    const source = phase === 'pre' ? build.preBuildScript : build.postBuildScript;
    if (!source) return 0;
    progress.script(build, phase, source.argv);
    const outcome = await runScript(source.argv, {
      cwd: project.root,
      env,
      signal: stop.signal,
      onOutput: (stream, chunk) => progress.scriptOutput(build, phase, stream, chunk),
    });
    progress.scriptDone(build, phase);
    if (stop.exitCode !== undefined) throw new Error('interrupted');
    if (outcome.exitCode === 0) return 0;
    progress.finish();
    const what = `the ${phase}_build_script of ${build.image} (${source.file} line ${source.line})`;
    const why = outcome.startError
      ? `could not run: ${outcome.startError}`
      : `failed with exit code ${outcome.exitCode}`;
    const consequence =
      phase === 'pre' ? `${build.image} was not built` : `${build.reference} was built, but build-image stops here`;
    process.stderr.write(`harpoon build-image: ${what} ${why}; ${consequence}\n`);
    return outcome.exitCode;
  };

  const pre = await script('pre', scriptEnv);
  if (pre !== 0) return pre;

  let imageId = '';
  let builderId: string | undefined;
  for (const stage of buildStages(build)) {
    const result = await client.build({
      directory: project.root,
      dockerfilePath: build.dockerfile,
      tags: stage.reference,
      buildArgs: build.buildArgs,
      labels: build.labels,
      ...(stage.target ? { target: stage.target } : {}),
      ...(build.noCache ? { noCache: true } : {}),
      ...(build.pull.pull ? { pull: true } : {}),
      ...(build.network ? { network: build.network } : {}),
      ...(build.platform ? { platform: build.platform } : {}),
      onProgress: progress.buildHandler(build, stage.target),
      signal: stop.signal,
    });
    if (stage.target) builderId = result.imageId;
    else imageId = result.imageId;
  }

  // The image is built (a failing post script does not undo that): reported before the script runs.
  const durationMs = Date.now() - started;
  progress.built(build, imageId, durationMs);
  c.built.push({
    image: build.image,
    reference: build.reference,
    imageId,
    ...(build.builder && builderId ? { builder: { reference: build.builder, imageId: builderId } } : {}),
    pulled: build.pull.pull,
    asDependency: build.asDependency,
    durationMs,
  });
  if (!c.flags.json) {
    if (build.builder && builderId) process.stdout.write(`${build.builder} ${builderId}\n`);
    process.stdout.write(`${build.reference} ${imageId}\n`);
  }
  const post = await script('post', { ...scriptEnv, HARPOON_IMAGE_ID: imageId });
  return post;
}

/** build-image clean: each reference removed only when harpoon built that image. */
async function clean(refs: string[], flags: BuildImageFlags): Promise<number> {
  if (flags.printCommand) {
    process.stdout.write(refs.map((ref) => `${formatCommand(dockerRmi(ref, engineChoice(flags)))}\n`).join(''));
    process.stderr.write(
      `# harpoon removes only those of them it built (label ${IMAGE_LABEL}=${MANAGED_VALUE}); others are left alone\n`,
    );
    return 0;
  }
  const client = await connect(flags);
  const out: CleanOutput = { removed: [], absent: [], skipped: [], failed: [] };
  const say = (line: string) => {
    if (!flags.json && !flags.quiet) process.stderr.write(`${line}\n`);
  };
  for (const ref of refs) {
    let labels: Record<string, string> | undefined;
    try {
      labels = (await client.inspectImage(ref)).Config?.Labels ?? undefined;
    } catch (err) {
      if (!(err instanceof ImageNotFoundError)) throw err;
      out.absent.push(ref);
      say(`Not present: ${ref}`);
      continue;
    }
    if (labels?.[IMAGE_LABEL] !== MANAGED_VALUE) {
      out.skipped.push(ref);
      say(`Left alone: ${ref} (not built by harpoon: no ${IMAGE_LABEL}=${MANAGED_VALUE} label)`);
      continue;
    }
    try {
      await client.removeImage(ref);
      out.removed.push(ref);
      say(`Removed ${ref}`);
      if (!flags.json) process.stdout.write(`${ref}\n`);
    } catch (err) {
      const error = (err as Error).message;
      out.failed.push({ reference: ref, error });
      process.stderr.write(`harpoon build-image clean: ${ref} could not be removed: ${error}\n`);
    }
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  // As `docker rmi A B`: 1 when any could not be removed.
  return out.failed.length ? 1 : 0;
}
