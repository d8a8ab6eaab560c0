// The image the lessons use: the classic tutorial's whale, made from nothing but busybox.
// Kept in one place so lesson 02 can build it and lesson 03 can rebuild it if needed.
import { busyboxBase, type Harpoon } from 'harpoon';

/** Lessons label what they create with this, so lesson 04 removes exactly that. */
export const LESSON_ID = process.env.HARPOON_LESSON_ID ?? 'tutorial';
export const lessonLabels = { 'harpoon.lesson': LESSON_ID };
export const WHALESAY = `harpoon-whalesay:${LESSON_ID}`;

// A shell script: a speech bubble sized to the message, then the whale.
const whalesayScript = String.raw`#!/bin/sh
msg="${'$'}*"
[ -n "${'$'}msg" ] || msg="Hello from harpoon!"
bar=""; i=0
while [ ${'$'}i -lt $(( ${'$'}{#msg} + 2 )) ]; do bar="${'$'}bar-"; i=$((i + 1)); done
echo " ${'$'}bar"
echo "< ${'$'}msg >"
echo " ${'$'}bar"
cat <<'WHALE'
    \
     \
      \
                    ##        .
              ## ## ##       ==
           ## ## ## ##      ===
       /""""""""""""""""___/ ===
  ~~~ {~~ ~~~~ ~~~ ~~~~ ~~ ~ /  ===- ~~~
       \______ o          __/
        \    \        __/
          \____\______/
WHALE
`;

// FROM scratch + the host's static busybox: a base image without a registry.
const base = busyboxBase();

/** Dockerfile lines, in memory: no file on disk, no registry. */
export const whalesayDockerfile = [
  ...base.dockerfile,
  'COPY whalesay /usr/local/bin/whalesay',
  'ENV PATH=/usr/local/bin:/bin',
  'CMD ["whalesay"]',
];

export function buildWhalesay(client: Harpoon) {
  return client.build({
    dockerfile: whalesayDockerfile,
    files: { ...base.files, whalesay: { content: whalesayScript, mode: 0o755 } },
    tags: WHALESAY,
    labels: lessonLabels,
  });
}
