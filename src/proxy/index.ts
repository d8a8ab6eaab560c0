// The proxy module: HTTP and WebSocket reverse proxy to launched containers (see proxy.ts).
export { HarpoonProxy, type ProxyOptions, type AccessEvent } from './proxy.ts';
export { startProxyServer, type ProxyServerOptions, type RunningProxy } from './server.ts';
export { RouteTable, type Route } from './routes.ts';
export { route as routeRequest, normalizePrefix, normalizeHostSuffix, isContainerName, type RouteMatch, type Routing, type RoutingRules } from './routing.ts';
export { availability, type Availability, type PageTemplates } from './answers.ts';
export { forwardAuth, requireHeaders, type Authorize, type AuthDecision, type ForwardAuthOptions } from './auth.ts';
export { withoutHopByHop, upstreamHeaders, rewriteLocation } from './headers.ts';
export { DEFAULT_ADMIN_PATH, type AdminOptions } from './admin.ts';
