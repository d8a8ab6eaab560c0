// Build an image from in-memory Dockerfile lines and/or a context directory (classic builder).
// The context is streamed; the engine's JSON-lines answer is parsed here, never by
// modem.followProgress, which resolves successfully on errorDetail (dockerode #221, #639).
import type { Engine } from '../engine.ts';
import { AbortedError, BuildError, throwIfAborted, type BuildStep } from '../errors.ts';
import { imageLabels, type Labels } from '../labels.ts';
import { ProgressTask } from '../task.ts';
import { createBuildContext, type ContextSpec } from './context.ts';
import { JsonLinesParser, toBuildEvents, type BuildEvent } from './progress.ts';

/** What to build (the context: lines, files, a directory) and how: tags, build args, labels, target, cache. */
export interface BuildOptions extends ContextSpec {
  /** Name(s) to tag the image with, e.g. "hello:latest". */
  tags?: string | string[];
  /** ARG values. */
  buildArgs?: Record<string, string>;
  /** Image labels; `harpoon.image=true` is always added. */
  labels?: Labels;
  /** Stop at this stage of a multi-stage Dockerfile. */
  target?: string;
  /** Ignore the build cache. */
  noCache?: boolean;
  /** Always try to pull a newer base image. */
  pull?: boolean;
  /** Network for RUN steps (docker build --network): "host", "none", a network name. */
  network?: string;
  /** Target platform (docker build --platform), e.g. "linux/amd64". */
  platform?: string;
  /** Called with every progress event (the task is also async-iterable). */
  onProgress?: (event: BuildEvent) => void;
  signal?: AbortSignal;
}

/** A finished build: the image id, its tags, and every output line. */
export interface BuildResult {
  imageId: string;
  tags: string[];
  /** Every output line of the build. */
  log: string[];
}

/** A running build: await it for the BuildResult, or iterate it for BuildEvents. */
export type BuildTask = ProgressTask<BuildEvent, BuildResult>;

/** Build an image on this engine (`client.build` calls it); rejects with BuildError on failure. */
export function buildImage(engine: Engine, options: BuildOptions): BuildTask {
  return new ProgressTask<BuildEvent, BuildResult>((emit) => runBuild(engine, options, emit), options.onProgress);
}

function tagList(tags: BuildOptions['tags']): string[] {
  return tags === undefined ? [] : Array.isArray(tags) ? tags : [tags];
}

function buildQuery(options: BuildOptions, dockerfileName: string): string {
  const query = new URLSearchParams();
  const tags = tagList(options.tags);
  for (const tag of tags) query.append('t', tag);
  query.set('dockerfile', dockerfileName);
  query.set('labels', JSON.stringify(imageLabels(options.labels)));
  if (options.buildArgs) query.set('buildargs', JSON.stringify(options.buildArgs));
  if (options.target) query.set('target', options.target);
  if (options.noCache) query.set('nocache', '1');
  if (options.pull) query.set('pull', '1');
  if (options.network) query.set('networkmode', options.network);
  if (options.platform) query.set('platform', options.platform);
  // Remove intermediate containers even when a step fails: a build leaves nothing behind.
  query.set('rm', '1');
  query.set('forcerm', '1');
  return query.toString();
}

async function runBuild(
  engine: Engine,
  options: BuildOptions,
  emit: (event: BuildEvent) => void,
): Promise<BuildResult> {
  throwIfAborted(options.signal, 'The build');
  const context = createBuildContext(options);
  const log: string[] = [];
  const tags = tagList(options.tags);
  let step: BuildStep | undefined;
  let imageId: string | undefined;
  let failure: string | undefined;

  const handle = (event: BuildEvent) => {
    if (event.type === 'step') step = event.step;
    if (event.type === 'output') {
      log.push(event.text);
      // Older engines announce the id only as text.
      const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(event.text);
      if (built && !imageId) imageId = built[1];
    }
    if (event.type === 'image') imageId = event.imageId;
    if (event.type === 'error') failure = event.message;
    emit(event);
  };

  let res;
  try {
    res = await engine.streamRequest(
      {
        method: 'POST',
        path: `/build?${buildQuery(options, context.dockerfileName)}`,
        headers: { 'Content-Type': 'application/x-tar' },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      context.stream,
      { action: 'The build' },
    );
  } catch (err) {
    if (options.signal?.aborted) throw new AbortedError('The build', options.signal.reason);
    // A 4xx before any step ran: a malformed Dockerfile ("dockerfile parse error line 2: ...").
    const statusCode = (err as { statusCode?: number }).statusCode;
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
      const message = (err as Error).message;
      const line = /line (\d+)/i.exec(message);
      handle({ type: 'error', message });
      throw new BuildError(message, { log, ...(line ? { line: Number(line[1]) } : {}) });
    }
    throw err;
  }

  const parser = new JsonLinesParser();
  try {
    for await (const chunk of res) {
      for (const message of parser.push(chunk as Buffer)) toBuildEvents(message).forEach(handle);
    }
    for (const message of parser.end()) toBuildEvents(message).forEach(handle);
  } catch (err) {
    if (options.signal?.aborted) throw new AbortedError('The build', options.signal.reason);
    throw engine.error(err, { action: 'The build' });
  }

  if (failure !== undefined) throw new BuildError(failure, { log, ...(step ? { step } : {}) });
  if (!imageId)
    throw new BuildError('the engine finished without reporting an image id', { log, ...(step ? { step } : {}) });
  if (!imageId.startsWith('sha256:')) {
    // Expand a short id from "Successfully built" to the full one.
    imageId = (await engine.call((d) => d.getImage(imageId!).inspect())).Id;
  }
  return { imageId, tags, log };
}
