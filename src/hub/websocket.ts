import type { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from '../core/ws.js';
import { rememberTlsSocket } from './peer-cert.js';

/** MQTT over WebSockets (subprotocol "mqtt") on an HTTP(S) server. */
export function attachWebSocket(server: HttpServer, handle: (stream: Duplex) => void): () => void {
  const wss = new WebSocketServer({
    server,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (socket, req) => {
    const stream = createWebSocketStream(socket);
    rememberTlsSocket(stream, req.socket); // wss: the client certificate is on the upgrade request's TLS socket
    handle(stream);
  });
  // ws re-emits the HTTP server's errors (EADDRINUSE…); listen() already reports those, so here they are not news.
  wss.on('error', () => {});
  return () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}
