// Lesson 02: build an image from Dockerfile lines held in memory.
//
// No Dockerfile on disk and no registry: the lines and the files they COPY (the host's
// static busybox and a small script) are streamed to the engine as a tar, entry by entry.
// The build reports typed progress events; awaiting it gives the image id.
import { Harpoon } from 'harpoon';
import { buildWhalesay, WHALESAY, whalesayDockerfile } from './whalesay.ts';

const client = await Harpoon.connect();

console.log('Dockerfile (in memory):');
for (const line of whalesayDockerfile) console.log(`  ${line}`);
console.log();

const build = buildWhalesay(client);

// A build is async-iterable: each event is typed ('step', 'output', 'progress', 'image', 'error').
for await (const event of build) {
  if (event.type === 'step') console.log(`step ${event.step.number}/${event.step.total}: ${event.step.instruction}`);
}

// ...and awaitable. A failed build rejects with a BuildError naming the step that failed.
const { imageId } = await build;
console.log(`\nBuilt ${WHALESAY}: ${imageId}`);
