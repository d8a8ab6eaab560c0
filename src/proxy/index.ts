// The proxy's public surface (`harpoon/proxy`): HTTP and WebSocket reverse proxy to launched
// containers (proxy.ts), its standalone server, authorization hooks and the types they name.

/**
 * HTTP and WebSocket reverse proxy to launched containers, with authorization hooks.
 * @module harpoon/proxy
 */
export { HarpoonProxy, type ProxyOptions, type AccessEvent } from './proxy.ts';
export { startProxyServer, type ProxyServerOptions, type RunningProxy } from './server.ts';
export { forwardAuth, requireHeaders, type Authorize, type AuthDecision, type ForwardAuthOptions } from './auth.ts';
export type { RouteTable, Route, RouteTableOptions } from './routes.ts';
export type { Availability, PageTemplates } from './answers.ts';
export { DEFAULT_ADMIN_PATH, type AdminOptions } from './admin.ts';
