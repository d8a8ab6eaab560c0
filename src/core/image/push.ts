// `docker push`: POST /images/{name}/push?tag= with an X-Registry-Auth header. The engine
// answers HTTP 200 and then streams JSON lines: per-layer progress (Preparing, Waiting,
// Pushing current/total, Pushed, Layer already exists), a final aux {Tag, Digest, Size} —
// or an errorDetail line, still under HTTP 200: a failure must be read from the stream.
import type { ProgressMessage } from '../build/progress.ts';
import { JsonLinesParser } from '../build/progress.ts';
import type { Engine } from '../engine.ts';
import { AbortedError, ImageNotFoundError, InvalidInputError, throwIfAborted } from '../errors.ts';
import { ProgressTask } from '../task.ts';
import { encodeRegistryAuth, registryCredentials, type CredentialLookup, type RegistryCredentials } from './auth.ts';
import { PushError, RegistryAuthError } from './errors.ts';
import { parseReference, refPath } from './reference.ts';

/** One progress event of `docker push`: a status line, layer progress, the digest, an error. */
export type PushEvent =
  /** A line about the whole push ("The push refers to repository [...]"). */
  | { type: 'status'; text: string }
  /** One layer: Preparing, Waiting, Pushing (current/total bytes), Pushed, Layer already exists, Mounted from ... */
  | { type: 'progress'; id: string; status: string; current: number | undefined; total: number | undefined }
  /** The registry has the manifest: pull it back by `repository@digest`. */
  | { type: 'pushed'; tag: string; digest: string; size: number }
  /** The engine reported a failure; the task rejects with a typed error right after. */
  | { type: 'error'; message: string };

/** Options of `docker push`: credentials (or where to find them), progress, an abort signal. */
export interface PushOptions {
  /**
   * Credentials to send. Left out: found for the image's registry by registryCredentials
   * (environment, then docker config). null: send none.
   */
  credentials?: RegistryCredentials | null;
  /** Where to look for credentials when `credentials` is left out. */
  credentialLookup?: CredentialLookup;
  /** Called with every progress event (the task is also async-iterable). */
  onProgress?: (event: PushEvent) => void;
  signal?: AbortSignal;
}

/** A finished push: the repository, tag, manifest digest and size, and where credentials came from. */
export interface PushResult {
  /** The repository pushed, e.g. "127.0.0.1:5000/app". */
  repository: string;
  tag: string;
  /** The manifest digest, "sha256:…". */
  digest: string;
  /** The manifest's size in bytes. */
  size: number;
  /** `repository@digest`: the reference that pulls exactly this image back. */
  pinned: string;
  /** Where the credentials sent came from, or undefined if none were. */
  credentialsSource: string | undefined;
}

/** A running push: await it for the PushResult, or iterate it for PushEvents. */
export type PushTask = ProgressTask<PushEvent, PushResult>;

/** Push `ref` ("[registry/]repo[:tag]", tag "latest" if left out); await it for the digest, or iterate it for progress. */
export function pushImage(engine: Engine, ref: string, options: PushOptions = {}): PushTask {
  return new ProgressTask<PushEvent, PushResult>((emit) => runPush(engine, ref, options, emit), options.onProgress);
}

const NOT_FOUND = /does not exist locally|tag does not exist|no such image/i;
const DENIED = /unauthorized|authentication required|no basic auth credentials|denied|forbidden/i;

export function toPushEvents(message: ProgressMessage, redact: (text: string) => string = (t) => t): PushEvent[] {
  if (message.error !== undefined || message.errorDetail !== undefined) {
    return [
      { type: 'error', message: redact((message.errorDetail?.message ?? message.error ?? 'unknown error').trim()) },
    ];
  }
  const events: PushEvent[] = [];
  if (typeof message.status === 'string') {
    if (message.id) {
      events.push({
        type: 'progress',
        id: message.id,
        status: redact(message.status),
        current: message.progressDetail?.current,
        total: message.progressDetail?.total,
      });
    } else events.push({ type: 'status', text: redact(message.status) });
  }
  const aux = message.aux as { Tag?: unknown; Digest?: unknown; Size?: unknown } | undefined;
  if (aux && typeof aux.Digest === 'string') {
    events.push({ type: 'pushed', tag: String(aux.Tag ?? ''), digest: aux.Digest, size: Number(aux.Size ?? 0) });
  }
  return events;
}

async function runPush(
  engine: Engine,
  ref: string,
  options: PushOptions,
  emit: (event: PushEvent) => void,
): Promise<PushResult> {
  const { registry, repository, tag = 'latest', digest } = parseReference(ref, 'ref');
  if (digest) throw new InvalidInputError('ref', `"${ref}" names a digest; push a tag (REPOSITORY[:TAG])`);
  const action = `Pushing ${repository}:${tag}`;
  throwIfAborted(options.signal, action);

  const credentials =
    options.credentials === undefined
      ? await registryCredentials(registry, options.credentialLookup)
      : options.credentials;
  const redact = (text: string) => (credentials ? credentials.redact(text) : text);
  // The engine requires the header even without credentials (else HTTP 400 "missing X-Registry-Auth").
  const header = credentials ? credentials.header() : encodeRegistryAuth({});

  let pushed: { tag: string; digest: string; size: number } | undefined;
  let failure: string | undefined;
  const handle = (event: PushEvent) => {
    if (event.type === 'pushed') pushed = event;
    if (event.type === 'error') failure = event.message;
    emit(event);
  };

  const ctx = { image: `${repository}:${tag}`, action };
  let res;
  try {
    res = await engine.request(
      {
        method: 'POST',
        path: `/images/${refPath(repository)}/push?${new URLSearchParams({ tag })}`,
        headers: { 'X-Registry-Auth': header },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      ctx,
    );
  } catch (err) {
    if (options.signal?.aborted) throw new AbortedError(action, options.signal.reason);
    throw scrub(err, redact);
  }

  const parser = new JsonLinesParser();
  try {
    for await (const chunk of res)
      for (const message of parser.push(chunk as Buffer)) toPushEvents(message, redact).forEach(handle);
    for (const message of parser.end()) toPushEvents(message, redact).forEach(handle);
  } catch (err) {
    if (options.signal?.aborted) throw new AbortedError(action, options.signal.reason);
    throw scrub(engine.error(err, ctx), redact);
  }

  if (failure !== undefined) {
    if (NOT_FOUND.test(failure)) throw new ImageNotFoundError(`${repository}:${tag}`, failure);
    if (DENIED.test(failure)) {
      throw new RegistryAuthError(
        registry,
        failure,
        credentials ? { source: credentials.source, username: credentials.username } : undefined,
      );
    }
    throw new PushError(repository, tag, failure);
  }
  if (!pushed) throw new PushError(repository, tag, 'the engine finished without reporting a digest');
  return {
    repository,
    tag: pushed.tag || tag,
    digest: pushed.digest,
    size: pushed.size,
    pinned: `${repository}@${pushed.digest}`,
    credentialsSource: credentials?.source,
  };
}

/** An error whose message passed through the engine, with any secret masked (in place). */
function scrub(err: unknown, redact: (text: string) => string): unknown {
  if (err instanceof Error && redact(err.message) !== err.message) {
    err.message = redact(err.message);
    if (err.stack) err.stack = redact(err.stack);
    // The cause holds the unmasked engine answer.
    delete (err as { cause?: unknown }).cause;
  }
  return err;
}
