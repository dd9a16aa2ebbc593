/**
 * Raw TCP clients for R13: a WebSocket (handshake by hand, frames parsed by hand) and an SSE
 * stream, both able to stop reading entirely (`pause`), so the server's buffers fill as they
 * would behind a client that never reads. `ws` or `fetch` would keep draining the socket.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawStream {
  socket: Socket;
  /** Bytes received after the handshake / response head. */
  received: number;
  /** WebSocket: data frames parsed so far. SSE: `id:` lines seen so far. */
  messages: number;
  /** WebSocket only: the close frame's code, once one arrived. */
  closeCode?: number;
  /** Resolves when the TCP connection is gone (either side). */
  ended: Promise<void>;
}

function open(url: URL, head: string, accept: (statusLine: string) => boolean, onData: (s: RawStream, chunk: Buffer) => void): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const stream: RawStream = { socket, received: 0, messages: 0, ended: new Promise((r) => socket.once('close', () => r())) };
    let pending: Buffer = Buffer.alloc(0);
    let ready = false;
    socket.once('error', reject);
    socket.on('error', () => undefined); // a reset after the head is an ending, seen through `ended`
    socket.once('connect', () => socket.write(head));
    socket.on('data', (chunk: Buffer) => {
      if (ready) return onData(stream, chunk);
      pending = Buffer.concat([pending, chunk]);
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const statusLine = pending.subarray(0, pending.indexOf('\r\n')).toString();
      if (!accept(statusLine)) {
        socket.destroy();
        return reject(new Error(`refused: ${statusLine}`));
      }
      ready = true;
      resolve(stream);
      const rest = pending.subarray(end + 4);
      if (rest.length > 0) onData(stream, rest);
    });
  });
}

/** Parses server→client WebSocket frames (never masked) as they arrive. */
function frameReader(): (s: RawStream, chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (s, chunk) => {
    s.received += chunk.length;
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      if (buf.length < at + len) return;
      if (opcode === 0x8) s.closeCode = len >= 2 ? buf.readUInt16BE(at) : 1005;
      else if (opcode === 0x1 || opcode === 0x2) s.messages++;
      buf = buf.subarray(at + len);
    }
  };
}

/** A WebSocket subscription to `path` (with its query) on `base` (http://host:port). */
export function openWebSocket(base: string, path: string, key: string): Promise<RawStream> {
  const url = new URL(base);
  const head = `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n`
    + `Sec-WebSocket-Protocol: herald.v1\r\nAuthorization: Bearer ${key}\r\n\r\n`;
  return open(url, head, (line) => line.includes(' 101 '), frameReader());
}

/** A client's close frame (masked, as clients must), then the TCP close once the server answers. */
export function closeWebSocket(s: RawStream, code = 1000): void {
  const mask = randomBytes(4);
  const payload = Buffer.from([code >> 8, code & 0xff]).map((b, i) => b ^ mask[i % 4]!);
  s.socket.write(Buffer.concat([Buffer.from([0x88, 0x80 | 2]), mask, payload]));
}

/** An SSE stream of `path` on `base`; `messages` counts the events (`id:` lines). */
export function openSse(base: string, path: string, key: string): Promise<RawStream> {
  const url = new URL(base);
  const head = `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${key}\r\n\r\n`;
  let carry = '';
  return open(url, head, (line) => line.includes(' 200 '), (s, chunk) => {
    s.received += chunk.length;
    const text = carry + chunk.toString('latin1');
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    s.messages += lines.filter((l) => l.startsWith('id: ')).length;
  });
}

export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
