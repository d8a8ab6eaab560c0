// A tiny web app for the launcher lessons (and its tests and bench): busybox httpd on port 80,
// serving the JSON input back, however it arrived. Made from nothing but busybox.
import { busyboxBase, type Harpoon, type Labels } from 'harpoon';
import { LESSON_ID, lessonLabels } from './whalesay.ts';

export const WEBAPP = `harpoon-webapp:${LESSON_ID}`;

// The app's start script: put the input where httpd serves it, then serve.
//   file mode: the launcher wrote /tmp/input.json before start; link it in.
//   env mode:  INPUT_JSON holds the JSON itself.
//   url mode:  INPUT_JSON_URL says where to fetch it; this app just shows the URL.
// Input files land in /tmp/input-files, served under /files/.
const startScript = `#!/bin/sh
mkdir -p /www
[ -f /tmp/input.json ] && ln -sf /tmp/input.json /www/input.json
[ -n "$INPUT_JSON" ] && printf '%s' "$INPUT_JSON" > /www/input.json
[ -n "$INPUT_JSON_URL" ] && printf '%s' "$INPUT_JSON_URL" > /www/input-url.txt
[ -d /tmp/input-files ] && ln -sf /tmp/input-files /www/files
echo "<h1>harpoon web app</h1>" > /www/index.html
echo "webapp: serving on port 80"
exec httpd -f -v -p 80 -h /www
`;

const base = busyboxBase();

export const webappDockerfile = [...base.dockerfile, 'COPY start /app/start', 'EXPOSE 80', 'CMD ["/app/start"]'];

/** Build the web app image (tag and labels overridable for tests and benches). */
export function buildWebapp(client: Harpoon, options: { tag?: string; labels?: Labels } = {}) {
  return client.build({
    dockerfile: webappDockerfile,
    files: { ...base.files, start: { content: startScript, mode: 0o755 } },
    tags: options.tag ?? WEBAPP,
    labels: options.labels ?? lessonLabels,
  });
}
