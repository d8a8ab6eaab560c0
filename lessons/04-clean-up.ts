// Lesson 04: clean up, and show that nothing is left.
//
// Everything harpoon creates carries a label (`harpoon=true`; images `harpoon.image=true`), and the lessons add
// `harpoon.lesson`. Runs remove their containers on every way out; images stay until you
// remove them. `removeManaged()` removes exactly what carries the labels: nothing else.
import { Harpoon, TimeoutError } from 'harpoon';
import { lessonLabels, WHALESAY } from './whalesay.ts';

const client = await Harpoon.connect();

// Even a run that fails (here: a timeout) leaves no container behind.
try {
  await client.run({ image: WHALESAY, cmd: ['sleep', '30'], timeout: 500, labels: lessonLabels });
} catch (err) {
  if (!(err instanceof TimeoutError)) throw err;
  console.log(`A run timed out (${err.code}); its container was removed anyway.`);
}

const before = await client.listManaged(lessonLabels);
console.log(
  `Before: ${before.containers.length} containers, ${before.images.length} images (${before.images.flatMap((i) => i.tags).join(', ') || 'untagged'})`,
);

const removed = await client.removeManaged(lessonLabels);
console.log(`Removed ${removed.containers.length} containers and ${removed.images.length} images.`);

const after = await client.listManaged(lessonLabels);
const left = after.containers.length + after.images.length + after.volumes.length + after.networks.length;
console.log(`After: ${left} left.`);
if (left !== 0) process.exitCode = 1;
