// Integration: the proxy's own pages as a browser shows them. Headless Chromium (Debian's
// package) loads the please-wait page (503), the not-found page (404) and the failed page
// (502), the proxy's default ones and custom templates; the DOM it parsed is checked, and a
// screenshot of each is kept in test-artifacts/ (HARPOON_TEST_ARTIFACTS) to look at.
// Under CI=true a missing chromium fails this file; elsewhere its tests are skipped.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startProxyServer, type RunningProxy } from 'harpoon';
import { testLabels } from '../helpers/engine.ts';
import { namer } from '../helpers/launcher.ts';
import { ECHO_PORT, proxyTests, sendUntil, TEST_ECHO } from '../helpers/proxy.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!CHROMIUM && process.env.CI === 'true')
  throw new Error('chromium is required under CI (Debian: apt-get install chromium)');
const ARTIFACTS = process.env.HARPOON_TEST_ARTIFACTS ?? join(import.meta.dirname, '..', '..', 'test-artifacts');

const { it: engineIt, fixture } = await proxyTests('harpoon-proxy-pages');
const it = CHROMIUM ? engineIt : (title: string) => test.skip(title);
const name = namer('hg');
const profile = mkdtempSync(join(tmpdir(), 'harpoon-chromium-'));
test.after(() => rmSync(profile, { recursive: true, force: true }));

/** Chromium, headless and quiet on a closed network (as the machine's notes say), on `url`. */
function chromium(args: string[], url: string): Promise<string> {
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM!,
      [...flags, ...args, url],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 8 << 20 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`chromium failed: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** The DOM Chromium made of the page, and a screenshot of it kept under `file`. */
async function look(url: string, file: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const png = join(ARTIFACTS, file);
  rmSync(png, { force: true });
  await chromium(['--window-size=900,500', `--screenshot=${png}`], url);
  const bytes = readFileSync(png);
  assert.equal([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is a PNG`);
  assert.ok(bytes.length > 2_000, `${file} has something on it (${bytes.length} bytes)`);
  return chromium(['--dump-dom'], url);
}

let quiet = '';
let failed = '';

it('launches a container that never listens and one that exits', async () => {
  quiet = (
    await fixture.launcher.launch({
      image: TEST_ECHO,
      name: name('quiet'),
      containerPort: ECHO_PORT,
      cmd: ['/usr/bin/node', '-e', 'setTimeout(() => {}, 120000)'],
      ready: false,
    })
  ).name;
  failed = (
    await fixture.launcher.launch({
      image: TEST_ECHO,
      name: name('fails'),
      containerPort: ECHO_PORT,
      cmd: ['/usr/bin/node', '-e', 'process.exit(3)'],
      ready: false,
    })
  ).name;
  const reply = await sendUntil(fixture.proxy.url, `/docker/${failed}/`, 502);
  assert.is(reply.status, 502);
});

it('the default pages in a browser: please wait (it reloads itself), not found, failed', async () => {
  const base = fixture.proxy.url;
  const waiting = await look(`${base}/docker/${quiet}/`, 'proxy-503-default.png');
  assert.match(waiting, /<title>Starting…<\/title>/);
  assert.match(waiting, /<meta http-equiv="refresh" content="2">/);
  assert.match(waiting, new RegExp(`"${quiet}" is starting`));
  const missing = await look(`${base}/docker/no-such-app/`, 'proxy-404-default.png');
  assert.match(missing, /<h1>404 Not Found<\/h1>/);
  const broken = await look(`${base}/docker/${failed}/`, 'proxy-502-default.png');
  assert.match(broken, /<h1>502 Bad Gateway<\/h1>/);
  assert.match(broken, /exited with code 3/);
});

it('custom templates in a browser, filled in and escaped', async () => {
  const waitPage = `<!doctype html><html><head><title>{{name}} is waking up</title>
<style>body{font:20px system-ui;background:#123;color:#fff;padding:2em}</style></head>
<body><h1>Just a moment</h1><p id="reason">{{name}}: {{reason}}</p><p>Trying again in {{retryAfter}} s.</p></body></html>`;
  let custom: RunningProxy | undefined;
  try {
    custom = await startProxyServer(fixture.client, {
      port: 0,
      labels: testLabels,
      activity: false,
      waitPage,
      pages: { 404: '<!doctype html><title>Gone</title><h1>No app called {{name}}</h1>' },
    });
    const waiting = await look(`${custom.url}/docker/${quiet}/`, 'proxy-503-custom.png');
    assert.match(waiting, new RegExp(`<title>${quiet} is waking up</title>`));
    assert.match(waiting, /<p id="reason">[^<]*the app is not accepting connections yet<\/p>/);
    const missing = await look(`${custom.url}/docker/no-such-app/`, 'proxy-404-custom.png');
    assert.match(missing, /<h1>No app called no-such-app<\/h1>/);
  } finally {
    await custom?.close();
  }
});

test.run();
