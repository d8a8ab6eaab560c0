// Lesson 01: hello, engine.
//
// Harpoon finds the Docker engine the way the docker CLI does: DOCKER_HOST, then
// DOCKER_CONTEXT, then the current context in ~/.docker/config.json, then the default
// socket. `connect()` pings the engine once and settles on an API version both sides speak.
import { Harpoon } from 'harpoon';

const client = await Harpoon.connect();

// Where we connected, and why there.
console.log(`Connected: ${client.describe()}`);

// What the engine is, as typed data. Prints the engine's info as pretty JSON.
const info = await client.info();
console.log(JSON.stringify(info, null, 2));

// Typed fields, no guessing.
console.log(
  `\nDocker ${info.ServerVersion} on ${info.OperatingSystem}, ${info.NCPU} CPUs, ${info.Containers} containers.`,
);
