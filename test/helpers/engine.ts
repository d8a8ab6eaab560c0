// Shared by the integration and interactive tests: one engine connection, a busybox base
// image built from nothing, and a per-run label so each file removes exactly what it made.
import { randomBytes } from 'node:crypto';
import { busyboxBase, Harpoon } from 'harpoon';

/** Every resource a test creates carries this label (plus harpoon's own). */
export const TEST_LABEL = 'harpoon.test';
export const RUN_ID = `${process.pid}-${randomBytes(3).toString('hex')}`;
export const testLabels = { [TEST_LABEL]: RUN_ID };

/**
 * Connect, or decide what a missing engine means: under CI=true a failure (thrown),
 * elsewhere a skip (returns undefined, and the file reports its tests as skipped).
 */
export async function engineOrSkip(): Promise<Harpoon | undefined> {
  try {
    return await Harpoon.connect();
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    console.warn(`No engine (${(err as Error).message.split('\n')[0]}); skipping. Start one with \`npm run engine\`.`);
    return undefined;
  }
}

/** Build the busybox base under a tag unique to this run; returns the tag. */
export async function buildBusybox(client: Harpoon, name = 'harpoon-test-busybox'): Promise<string> {
  const tag = `${name}:${RUN_ID}`;
  const base = busyboxBase();
  await client.build({
    dockerfile: [...base.dockerfile, 'CMD ["sh"]'],
    files: base.files,
    tags: tag,
    labels: testLabels,
  });
  return tag;
}

/** Remove everything this test run created (and nothing else). */
export async function cleanupRun(client: Harpoon): Promise<void> {
  await client.removeManaged(testLabels);
}
