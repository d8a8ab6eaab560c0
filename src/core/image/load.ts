// `docker load`: POST /images/load?quiet=0 with an image archive as the (streamed) body.
// The engine answers only once it has read the whole archive, with JSON lines: per-layer
// "Loading layer" progress, then "Loaded image: NAME:TAG" (or "Loaded image ID: sha256:…" for
// an archive saved by id), or an errorDetail (HTTP 200 all the same) for a broken archive.
// An archive that fails (truncated, aborted) loads nothing: the engine unpacks it fully first.
import { Readable } from 'node:stream';
import { JsonLinesParser, type ProgressMessage } from '../build/progress.ts';
import type { Engine } from '../engine.ts';
import { AbortedError, throwIfAborted } from '../errors.ts';
import { ProgressTask } from '../task.ts';
import { LoadError } from './errors.ts';

/** One progress event of `docker load`: layer progress, an image loaded, output, an error. */
export type LoadEvent =
  /** The engine registering one layer of the archive (bytes of that layer). */
  | { type: 'progress'; id: string | undefined; status: string; current: number | undefined; total: number | undefined }
  /** One image of the archive is in: by name (`ref`), or by id for an archive saved by id. */
  | { type: 'loaded'; ref: string | undefined; imageId: string | undefined }
  /** Any other line of output. */
  | { type: 'output'; text: string }
  /** The engine refused the archive; the task rejects with a LoadError right after. */
  | { type: 'error'; message: string };

/** One image a load brought in: its id and names. */
export interface LoadedImage {
  id: string;
  /** The names the archive gave it (none for an archive saved by id). */
  tags: string[];
}

/** What a load brought in: the images, and every output line. */
export interface LoadResult {
  images: LoadedImage[];
  /** Every line of output. */
  log: string[];
}

/** Options of `docker load`: a progress callback and an abort signal. */
export interface LoadOptions {
  /** Called with every progress event (the task is also async-iterable). */
  onProgress?: (event: LoadEvent) => void;
  signal?: AbortSignal;
}

/** A running load: await it for the LoadResult, or iterate it for LoadEvents. */
export type LoadTask = ProgressTask<LoadEvent, LoadResult>;

/** Load an image archive (a tar stream, e.g. from saveImages, or a Buffer); await it for the images loaded. */
export function loadImage(engine: Engine, archive: Readable | Buffer, options: LoadOptions = {}): LoadTask {
  return new ProgressTask<LoadEvent, LoadResult>((emit) => runLoad(engine, archive, options, emit), options.onProgress);
}

const LOADED = /^Loaded image: (.+)$/;
const LOADED_ID = /^Loaded image ID: (sha256:[0-9a-f]{64})$/;

export function toLoadEvents(message: ProgressMessage): LoadEvent[] {
  if (message.error !== undefined || message.errorDetail !== undefined) {
    return [{ type: 'error', message: (message.errorDetail?.message ?? message.error ?? 'unknown error').trim() }];
  }
  const events: LoadEvent[] = [];
  if (typeof message.stream === 'string') {
    for (const line of message.stream.split('\n')) {
      if (line.trim() === '') continue;
      const named = LOADED.exec(line);
      const byId = LOADED_ID.exec(line);
      if (byId) events.push({ type: 'loaded', ref: undefined, imageId: byId[1] });
      else if (named) events.push({ type: 'loaded', ref: named[1]!.trim(), imageId: undefined });
      else events.push({ type: 'output', text: line });
    }
  }
  if (typeof message.status === 'string') {
    events.push({
      type: 'progress',
      id: message.id,
      status: message.status,
      current: message.progressDetail?.current,
      total: message.progressDetail?.total,
    });
  }
  return events;
}

/** The load itself, for callers that run it inside a task of their own (transfer). */
export async function runLoad(
  engine: Engine,
  archive: Readable | Buffer,
  options: LoadOptions,
  emit: (event: LoadEvent) => void,
): Promise<LoadResult> {
  const action = 'Loading the image archive';
  throwIfAborted(options.signal, action);
  const body = Buffer.isBuffer(archive) ? Readable.from([archive]) : archive;
  const log: string[] = [];
  const refs: string[] = [];
  const ids: string[] = [];
  let failure: string | undefined;
  const handle = (event: LoadEvent) => {
    if (event.type === 'output') log.push(event.text);
    if (event.type === 'loaded') {
      log.push(event.ref ? `Loaded image: ${event.ref}` : `Loaded image ID: ${event.imageId}`);
      if (event.ref) refs.push(event.ref);
      if (event.imageId) ids.push(event.imageId);
    }
    if (event.type === 'error') failure = event.message;
    emit(event);
  };

  let res;
  try {
    res = await engine.streamRequest(
      {
        method: 'POST',
        path: '/images/load?quiet=0',
        headers: { 'Content-Type': 'application/x-tar' },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      body,
      { action },
    );
  } catch (err) {
    if (options.signal?.aborted) throw new AbortedError(action, options.signal.reason);
    throw err;
  }

  const parser = new JsonLinesParser();
  try {
    for await (const chunk of res)
      for (const message of parser.push(chunk as Buffer)) toLoadEvents(message).forEach(handle);
    for (const message of parser.end()) toLoadEvents(message).forEach(handle);
  } catch (err) {
    if (options.signal?.aborted) throw new AbortedError(action, options.signal.reason);
    throw engine.error(err, { action });
  }
  if (failure !== undefined) throw new LoadError(failure);

  // Names → ids, one entry per image.
  const images = new Map<string, LoadedImage>();
  for (const id of ids) images.set(id, { id, tags: [] });
  for (const ref of refs) {
    const { Id } = await engine.call((d) => d.getImage(ref).inspect(), {
      image: ref,
      action: 'Inspecting the loaded image',
    });
    const image = images.get(Id) ?? { id: Id, tags: [] };
    image.tags.push(ref);
    images.set(Id, image);
  }
  return { images: [...images.values()], log };
}
