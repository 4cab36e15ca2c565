/** The one import site of ws: the embedded hub's WebSocket listener and the lean MQTT client's ws:// / wss:// dialer. */
export { WebSocket, WebSocketServer, createWebSocketStream } from 'ws';
export type { ClientOptions as WebSocketClientOptions } from 'ws';
