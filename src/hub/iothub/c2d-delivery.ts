/**
 * C2D messages on their way to a device over MQTT (reference §2.2): published at QoS 1 on the device's devicebound
 * topic, completed when the device's PUBACK for that publish arrives. In-flight messages are kept per connection, so
 * a closed connection forgets its own at once (its messages are released by the queue and delivered again later).
 */
import { c2dTopic } from '../../iothub/index.js';
import type { C2dMessage, C2dQueues } from './c2d-queue.js';
import { isIotHubError } from './errors.js';

export class C2dDelivery {
  /** connection id → (topic → the message's device and lock token). */
  private readonly inFlight = new Map<string, Map<string, { deviceId: string; lockToken: string }>>();

  constructor(private readonly queues: C2dQueues) {}

  /** Every queued message of the device, to `publish` on this connection. */
  deliver(deviceId: string, connectionId: string, publish: (topic: string, body: Buffer) => void): void {
    for (let m = this.queues.next(deviceId); m !== undefined; m = this.queues.next(deviceId)) {
      const topic = topicOf(deviceId, m);
      if (m.lockToken !== undefined) {
        let mine = this.inFlight.get(connectionId);
        if (mine === undefined) this.inFlight.set(connectionId, (mine = new Map()));
        mine.set(topic, { deviceId, lockToken: m.lockToken });
      }
      publish(topic, m.body);
    }
  }

  /** A PUBACK on this connection: the message published on `topic` completes. */
  acked(connectionId: string, topic: string): void {
    const mine = this.inFlight.get(connectionId);
    const m = mine?.get(topic);
    if (m === undefined) return;
    mine?.delete(topic);
    try {
      this.queues.complete(m.deviceId, m.lockToken);
    } catch (err) {
      // The lock was lost meanwhile (lock timeout, purge, device deleted): IoT Hub ignores such a late PUBACK too.
      if (!isIotHubError(err)) throw err;
    }
  }

  /** The connection closed: its in-flight messages are no longer completed by it. */
  forget(connectionId: string): void {
    this.inFlight.delete(connectionId);
  }
}

function topicOf(deviceId: string, m: C2dMessage): string {
  return c2dTopic(deviceId, {
    ...(m.messageId === undefined ? {} : { messageId: m.messageId }),
    ...(m.correlationId === undefined ? {} : { correlationId: m.correlationId }),
    ...(m.userId === undefined ? {} : { userId: m.userId }),
    ...(m.explicitExpiry ? { expiry: new Date(m.expiryMs).toISOString() } : {}),
    ...(m.contentType === undefined ? {} : { contentType: m.contentType }),
    ...(m.contentEncoding === undefined ? {} : { contentEncoding: m.contentEncoding }),
    to: `/devices/${deviceId}/messages/devicebound`,
    app: { ...m.properties, 'iothub-ack': m.ack },
  });
}
