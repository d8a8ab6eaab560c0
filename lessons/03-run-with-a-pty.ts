// Lesson 03: run the image attached to a pseudoterminal.
//
// With `tty: true` the container gets a PTY of the size we ask for, and what we send on
// stdin arrives as if typed. harpoon attaches before it starts the container (no output is
// lost), waits for the exit, and removes the container afterwards.
// From a terminal, `harpoon run -it harpoon-whalesay:tutorial sh` does the same interactively.
import { Harpoon } from 'harpoon';
import { buildWhalesay, lessonLabels, WHALESAY } from './whalesay.ts';

const client = await Harpoon.connect();
if (!(await client.imageExists(WHALESAY))) await buildWhalesay(client); // lesson 02's image

// 1. The banner, printed through a PTY straight to our stdout.
await client.run({
  image: WHALESAY,
  cmd: ['whalesay', 'Hello from a PTY!'],
  tty: true,
  stdout: 'inherit',
  labels: lessonLabels,
});

// 2. Input typed into the PTY: a script reads a line, then reports on its terminal. It reads
//    first, and harpoon sends input only after the TTY is sized, so `stty size` sees 24 60.
const session = await client.run({
  image: WHALESAY,
  cmd: ['sh', '-c', 'read -r name; echo "hello $name: my terminal is $(tty), $(stty size) (rows cols)"; exit 7'],
  tty: true,
  size: { rows: 24, cols: 60 },
  stdin: 'harpoon\n',
  reject: false, // a non-zero exit is a result here, not an error
  labels: lessonLabels,
});
// A TTY echoes what is typed, and ends lines with \r\n, as a terminal would.
console.log(`\nThe session, as the terminal showed it:\n${session.stdout.replace(/\r\n/g, '\n')}`);
console.log(`The shell exited with code ${session.exitCode}; the container is already gone.`);
