// Small helpers shared by the integration tests (on top of engine.ts).
import { ContainerNotFoundError, type Harpoon } from 'harpoon';
import { test } from 'uvu';
import { cleanupRun, engineOrSkip, RUN_ID, TEST_LABEL } from './engine.ts';

/** Poll `check` until it returns true or `ms` elapse; resolves to the last answer. */
export async function eventually(check: () => Promise<boolean>, ms = 10_000, every = 100): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** Every container (any state) carrying this run's test label. */
export async function runContainers(client: Harpoon): Promise<Array<{ Id: string; State: string; Names: string[] }>> {
  return client.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${TEST_LABEL}=${RUN_ID}`] }) });
}

/** Every image carrying this run's test label. */
export async function runImages(client: Harpoon): Promise<Array<{ Id: string; RepoTags?: string[] }>> {
  return client.docker.listImages({ filters: JSON.stringify({ label: [`${TEST_LABEL}=${RUN_ID}`] }) });
}

/** Containers (running only unless `all`) whose image is `image` or descends from it. */
export async function containersFrom(
  client: Harpoon,
  image: string,
  all = false,
): Promise<Array<{ Id: string; State: string }>> {
  return client.docker.listContainers({ all, filters: JSON.stringify({ ancestor: [image] }) });
}

/** Whether a container (any state) exists, by id or name. */
export async function containerExists(client: Harpoon, nameOrId: string): Promise<boolean> {
  try {
    await client.container(nameOrId).inspect();
    return true;
  } catch (err) {
    if (err instanceof ContainerNotFoundError) return false;
    throw err;
  }
}

/** Resolves to the rejection of `promise`, failing if it fulfils. */
export async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise fulfilled');
}

/**
 * cleanupRun, then check that nothing with this run's label remains (containers and images,
 * intermediate ones included): a leftover or a failing removeManaged fails the file.
 */
export async function cleanupRunFully(client: Harpoon): Promise<void> {
  await cleanupRun(client);
  const left = {
    containers: await runContainers(client),
    images: await client.docker.listImages({
      all: true,
      filters: JSON.stringify({ label: [`${TEST_LABEL}=${RUN_ID}`] }),
    }),
  };
  if (left.containers.length || left.images.length) {
    throw new Error(`this run left resources on the engine: ${JSON.stringify(left)}`);
  }
}

export interface EngineTestsOptions {
  /** Runs once the engine answers (build the base image, remember the client, ...). */
  ready?: (client: Harpoon) => Promise<void> | void;
  /** Runs at the end, before this run's resources are removed. */
  after?: (client: Harpoon | undefined) => Promise<void> | void;
  /** Remove everything labelled with this run's test label at the end (default true). */
  cleanup?: boolean;
}

/**
 * The setup every engine test file shares: `const it = await engineTests({...})`. Connects
 * while the file loads, so that without an engine (outside CI) the tests are registered as
 * skipped, and counted so; under CI=true a missing engine throws, failing the file. A failing
 * `ready` fails every test with its error (uvu would swallow an error thrown in `before`).
 */
export async function engineTests(
  options: EngineTestsOptions = {},
): Promise<(name: string, body: (client: Harpoon) => Promise<void> | void) => void> {
  const client = await engineOrSkip();
  let setupError: unknown;
  if (client) {
    test.before(async () => {
      try {
        await options.ready?.(client);
      } catch (err) {
        setupError = err;
      }
    });
  }
  test.after(async () => {
    await options.after?.(client);
    if (client && options.cleanup !== false) await cleanupRunFully(client);
  });
  return (name, body) =>
    (client ? test : test.skip)(name, async () => {
      if (setupError) throw setupError;
      await body(client!);
    });
}
