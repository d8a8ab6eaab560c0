// `harpoon proxy --help`'s text, apart from the command so that help loads nothing heavy.
export const TOKEN_ENV = 'HARPOON_PROXY_TOKEN';
export const MIN_TOKEN_LENGTH = 16;

/** The text after `harpoon proxy --help`'s option list. */
export const PROXY_HELP = `
Routing (a request is tried by host first, then by path):
  path   http://127.0.0.1:8000/docker/<name>/...   the container sees /... (--no-strip-prefix:
         the whole path) and X-Forwarded-Prefix: /docker/<name>; redirects stay under the prefix.
         On by default; --prefix changes it, --no-path turns it off.
  host   http://<name>.docker.localhost:8000/...   with --host-suffix .docker.localhost; the
         container sees the path as is. Browsers resolve *.localhost to loopback by themselves;
         other clients may need the Host header set, e.g. curl -H 'Host: web-1.docker.localhost'.
         Host routing reaches names that are one DNS label (a-z, 0-9, -).

Only containers started by the launcher (harpoon launch, or Launcher in code) are served,
never any other. --label K=V narrows that further: a launched container without the label
is answered 404, as if it did not exist. A starting container gets 503 with Retry-After, a
stopped or failed one 502, an unknown name 404.

Admin endpoint (--admin): GET /_harpoon/routes returns the route table with each container's
state, upstream and last activity, for clients sending Authorization: Bearer <token>; others
get 401. The token (at least ${MIN_TOKEN_LENGTH} characters) comes from $${TOKEN_ENV}, or from
--admin-token-file FILE, which wins; never from the command line, where \`ps\` shows it.
Without a token --admin refuses to start. Make one with: openssl rand -hex 24

Containers started by hand (as django_docker_engine's README does): label them and opt in,
  docker run -d --name empty-server -l harpoon.route=true --publish 127.0.0.1::80 nginx
  harpoon proxy --route-label harpoon.route=true      # then /docker/empty-server/
The port is the harpoon.route.port label, else 80 if published, else the lowest published one.
--unmanaged serves every container that publishes a port: a trusted single-user machine only.

Authorization: --auth-url URL asks an auth service before each request (a GET with the
client's headers and cookies plus X-Forwarded-Method/-Proto/-Host/-Uri/-For): 2xx allows (its
X-Forwarded-User or Remote-User header names the user, sent on as X-Forwarded-User), 3xx
redirects the client (to a login page), 401/403 are passed back with the service's page,
anything else or no answer denies (500). --auth-header NAME=VALUE requires a header. Denied
requests never reach a container and count as no activity.

Logs (--logs-path docker-logs): GET /docker/<name>/docker-logs shows the container's log
(?tail=N|all, default 200; ?follow=1 streams; ?format=json for JSON lines), also while it
starts or after it failed; behind the same authorization.

Pages: --wait-page FILE (503) and --page STATUS=FILE replace the proxy's HTML pages; in them
{{name}}, {{reason}}, {{retryAfter}}, {{status}}, {{title}} and {{message}} are filled in.

Limits: --headers-timeout (408 after it, default 60 s), --tunnel-idle-timeout (WebSockets silent
both ways, default 600 s). Bodies are always re-framed; two Host headers get 400; header names
with underscores are dropped, as nginx does.

Workers: one process per core by default (--workers N), sharing the port; each follows the
engine's events itself; a worker that dies is replaced. The admin table counts per worker.

Output: one access-log line per request on stdout (METHOD PATH STATUS BYTES TIME CONTAINER),
--json for JSON lines instead (the first one {"listening": URL, "port": N}), --quiet for none.
SIGINT or SIGTERM closes gracefully (requests in flight get 2 s) and exits 0.
Requests are recorded as activity, so \`harpoon purge --inactive\` spares the apps in use.

Examples:
  harpoon proxy --host-suffix .docker.localhost
  HARPOON_PROXY_TOKEN=$(cat ~/.harpoon-token) harpoon proxy --admin --label team=data
  harpoon proxy --port 0 --json | head -1      # the port it picked
`;
