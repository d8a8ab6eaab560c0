// How a request's body is delimited, decided once from what Node's parser accepted, so that
// every body that goes upstream carries its own framing (Content-Length or chunked) whatever
// the method. A body the upstream could not delimit would be read as the next request on a
// pooled keep-alive connection: request smuggling. Requests whose framing the proxy cannot
// pass on faithfully are refused here, before any upstream sees a byte.
import type { IncomingMessage } from 'node:http';

export type BodyFraming =
  /** No body (neither Content-Length nor Transfer-Encoding). */
  { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

export type FramingCheck = { ok: true; framing: BodyFraming } | { ok: false; status: 400 | 501; reason: string };

/** Header names in the raw header list, lower-cased, with how often each occurs. */
function rawCount(req: IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) n++;
  return n;
}

/**
 * The request's framing, or why the proxy refuses it: two Host headers (RFC 9112 §3.2: 400),
 * a transfer coding other than plain `chunked` (501, as nginx: the proxy would have to undo
 * it), or both Content-Length and Transfer-Encoding (Node's parser already refuses that; kept
 * here so the rule does not depend on the parser's settings).
 */
export function checkFraming(req: IncomingMessage): FramingCheck {
  if (rawCount(req, 'host') > 1) return { ok: false, status: 400, reason: 'the request has more than one Host header' };
  const te = req.headers['transfer-encoding'];
  const cl = req.headers['content-length'];
  if (te !== undefined) {
    if (cl !== undefined)
      return { ok: false, status: 400, reason: 'the request has both Content-Length and Transfer-Encoding' };
    if (te.trim().toLowerCase() !== 'chunked' || rawCount(req, 'transfer-encoding') > 1) {
      return {
        ok: false,
        status: 501,
        reason: `Transfer-Encoding "${te}" is not supported: send the body with Content-Length or as plain chunked`,
      };
    }
    return { ok: true, framing: { kind: 'chunked' } };
  }
  if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl.trim()))
      return { ok: false, status: 400, reason: `Content-Length "${cl}" is not a length` };
    return { ok: true, framing: { kind: 'length', length: Number(cl.trim()) } };
  }
  return { ok: true, framing: { kind: 'none' } };
}

/** Whether this is a WebSocket handshake (the only upgrade the proxy tunnels). */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.method === 'GET' && /(^|,)\s*websocket\s*(,|$)/i.test(String(req.headers.upgrade ?? ''));
}

/**
 * A header-overflow error's status: 414 when what overflowed is the request line (a URL too
 * long), else 431. The parser reports only "headers too large", so look at the bytes it held:
 * no line end at all, or a first line longer than the limit, is the request line.
 */
export function overflowStatus(rawPacket: Buffer | undefined, maxLine = 8192): 414 | 431 {
  if (!rawPacket) return 431;
  const lineEnd = rawPacket.indexOf(0x0a);
  return lineEnd === -1 || lineEnd > maxLine ? 414 : 431;
}
