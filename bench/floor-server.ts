/**
 * The GetItem floor (`npm run bench`): a bare `net` server that answers every request with a fixed-shape
 * GetItem reply for the key it names, and does nothing else (no signature, no JSON parse, no storage).
 * Its CPU per request is what any node server pays on this machine for the epoll sleep and wake-up, the
 * loopback read and write and node's callbacks, measured in the same run as the real servers.
 *
 *   node dist/bench/floor-server.js PORT
 */
import { createServer, type Socket } from 'node:net';
import { crc32 } from 'node:zlib';

const port = Number(process.argv[2] ?? 0);
/** The workload's check: `n` is the key's number and `data` is 900 characters (bench/lib/workload.ts). */
const DATA = 'x'.repeat(900);
const KEY = /item-(\d{8})/;
const REQUEST_ID = 'FLOOR'.padEnd(52, '0');

function reply(body: Buffer): string {
  const m = KEY.exec(body.toString('latin1'));
  const text = m
    ? `{"Item":{"pk":{"S":"item-${m[1]}"},"n":{"N":"${Number(m[1])}"},"data":{"S":"${DATA}"}}}`
    : '{}';
  return `HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: ${text.length}\r\n` +
    `x-amzn-RequestId: ${REQUEST_ID}\r\nx-amz-crc32: ${crc32(text)}\r\nConnection: keep-alive\r\n\r\n${text}`;
}

function serve(socket: Socket): void {
  let buf: Buffer | null = null;
  socket.on('error', () => socket.destroy());
  socket.on('data', (d: Buffer) => {
    buf = buf === null ? d : Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /content-length: *(\d+)/i.exec(buf.toString('latin1', 0, end));
      const total = end + 4 + (length ? Number(length[1]) : 0);
      if (buf.length < total) return;
      socket.write(reply(buf.subarray(end + 4, total)));
      if (buf.length === total) {
        buf = null;
        return;
      }
      buf = buf.subarray(total);
    }
  });
}

const server = createServer({ noDelay: true }, serve);
server.listen(port, '127.0.0.1', () => {
  console.log(`floor listening on http://127.0.0.1:${(server.address() as { port: number }).port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
