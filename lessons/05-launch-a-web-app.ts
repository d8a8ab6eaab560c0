// Lesson 05: launch a web app with a JSON input, wait until it is ready, and purge it.
//
// The launcher starts containers from a spec: an image whose app listens on port 80 and
// reads one JSON input. It writes the input into the container before the app starts
// (inputMode "file", the default; "env" and "url" are the others), publishes the port on
// 127.0.0.1, waits until the app is ready, and hands back a URL. Everything it starts
// carries `harpoon.launcher=true`, and its purges never touch anything else.
import { Harpoon, InputTooLargeError, Launcher, waitFor } from 'harpoon';
import { buildWebapp, WEBAPP } from './webapp.ts';
import { LESSON_ID, lessonLabels } from './whalesay.ts';

const client = await Harpoon.connect();
await buildWebapp(client); // busybox httpd serving its input back (see webapp.ts)

// Containers this launcher starts are removed when this process ends, however it ends
// (a crash reaper watches it). `reap: false` is for services whose containers must outlive them.
const launcher = new Launcher(client, { labels: lessonLabels });

const input = { title: 'Hello, launcher', values: [3, 1, 4, 1, 5], note: 'ünïcödé travels intact' };
const app = await launcher.launch({
  image: WEBAPP,
  name: `harpoon-lesson-05-${LESSON_ID}`,
  input, // lands in /tmp/input.json before the app starts
  files: [{ path: 'readme.txt', content: 'An input file: it lands in /tmp/input-files.\n' }],
  // Ready when both hold, under one deadline. (A connect to the published port would prove
  // nothing: Docker's port proxy accepts before the app listens.)
  ready: [waitFor.http('/input.json', { status: 200 }), waitFor.log(/serving on port 80/)],
  readyTimeoutMs: 20_000,
});
console.log(`Launched ${app.name} at ${app.url} (container port ${app.containerPort} on host port ${app.hostPort})`);

// Fetch the input back through the published port.
const served = await (await fetch(`${app.url}/input.json`)).text();
console.log(`GET /input.json  -> ${served}`);
console.log(`Byte for byte what we sent: ${served === JSON.stringify(input)}`);
console.log(`GET /files/readme.txt -> ${(await (await fetch(`${app.url}/files/readme.txt`)).text()).trim()}`);

// Look-ups by name, and a listing of what the launcher manages.
console.log(`URL by name: ${await launcher.url(app.name)}`);
for (const c of await launcher.list(lessonLabels)) console.log(`Managed: ${c.name} ${c.state} ${c.url}`);

// Bad input is refused before anything is created, with a typed error saying what to do.
try {
  await launcher.launch({ image: WEBAPP, inputMode: 'env', input: 'x'.repeat(200_000) });
} catch (err) {
  if (!(err instanceof InputTooLargeError)) throw err;
  console.log(`Refused (${err.code}): ${err.message}`);
}

// Purge what this lesson launched, then the image it built (as lesson 04 did).
console.log(`Purged: ${(await launcher.purge(lessonLabels)).join(', ')}`);
await launcher.close();
await client.removeManaged(lessonLabels);
const left = await client.listManaged(lessonLabels);
console.log(`After: ${left.containers.length + left.images.length + left.volumes.length} left.`);
