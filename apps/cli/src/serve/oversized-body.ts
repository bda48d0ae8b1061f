import type { IncomingMessage } from 'node:http';

export interface DrainOptions {
  /** Bytes read and thrown away after an early answer before the connection is cut. */
  maxBytes: number;
  /** How long the client may keep sending after an early answer before the connection is cut. */
  maxMs: number;
}

/**
 * Finishes an exchange whose answer (413, 401...) goes out before the request body was read: the answer
 * says `Connection: close`, the server then half-closes (FIN) instead of destroying the socket, and reads
 * and throws away what the client still sends until it closes its side, within bounds.
 *
 * Why: Node destroys a `Connection: close` socket as soon as the answer is written, and closing a socket
 * whose receive buffer still holds unread bytes makes the kernel send RST instead of FIN; an RST that
 * reaches the client before it has read the answer throws the answer away. About 1 in 3 Node fetch
 * clients sending 50 MB saw EPIPE instead of the 413 (measured). fetch (undici) only exposes a response
 * once its body is sent, so it uploads to the end and then reads the 413; node:http and curl read the
 * answer, see the FIN and stop sending. A client that keeps sending past the bounds is cut off.
 */
export function drainBody(raw: IncomingMessage, options: DrainOptions): void {
  const socket = raw.socket;
  if (raw.complete || !socket || socket.destroyed) return;
  // Node ends a Connection: close exchange with socket.destroySoon(); for this socket that becomes a
  // FIN only (http servers keep half-open sockets readable), and the drain below does the rest.
  socket.destroySoon = () => {
    socket.end();
  };
  let bytes = 0;
  const cut = () => {
    cleanup();
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > options.maxBytes) cut();
  };
  const timer = setTimeout(cut, options.maxMs);
  timer.unref();
  const cleanup = () => {
    clearTimeout(timer);
    raw.off('data', onData);
    raw.off('end', cleanup);
    socket.off('close', cleanup);
  };
  raw.on('data', onData);
  raw.once('end', cleanup);
  // The request object may be closed with the response; the socket's close is the end of the drain.
  socket.once('close', cleanup);
  raw.resume();
}

/** The declared body length when it is over `limit` (answered before reading a byte), else null. */
export function declaredOversize(raw: IncomingMessage, limit: number): number | null {
  const header = raw.headers['content-length'];
  if (header === undefined) return null;
  const n = Number(header);
  return Number.isFinite(n) && n > limit ? n : null;
}
