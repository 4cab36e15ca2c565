import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { C2dQueues, c2dTopicProperties } from '../../src/hub/iothub/c2d-queue.js';
import { IotHubError } from '../../src/hub/iothub/errors.js';

const T0 = Date.UTC(2025, 0, 1);

function setup(opts: { maxDeliveryCount?: number } = {}) {
  const clock = new ManualClock(T0);
  const depths: [string, number][] = [];
  const q = new C2dQueues({
    clock,
    exists: (id) => id !== 'ghost',
    generationIdOf: () => 'gen-1',
    onDepthChange: (id, n) => depths.push([id, n]),
    ...opts,
  });
  return { clock, q, depths };
}

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof IotHubError) return e.errorCode;
    throw e;
  }
  return undefined;
}

describe('C2dQueues', () => {
  it('delivers in order, locks until PUBACK (complete), reports the depth', () => {
    const { q, depths } = setup();
    q.enqueue('d1', { body: 'a', messageId: 'm1' });
    q.enqueue('d1', { body: 'b', messageId: 'm2' });
    const m1 = q.next('d1');
    expect(m1?.messageId).toBe('m1');
    expect(m1?.deliveryCount).toBe(1);
    expect(m1?.lockToken).toBe('00000000-0000-4000-8000-000000000001');
    const m2 = q.next('d1');
    expect(m2?.messageId).toBe('m2');
    expect(q.next('d1')).toBeUndefined();
    q.complete('d1', m1?.lockToken ?? '');
    expect(q.depth('d1')).toBe(1);
    expect(code(() => q.complete('d1', m1?.lockToken ?? ''))).toBe(412002);
    expect(depths).toEqual([
      ['d1', 1],
      ['d1', 2],
      ['d1', 1],
    ]);
  });

  it('50 pending messages at most: the 51st is 403004; 404001 for unknown devices; 413001 over 64 KB', () => {
    const { q } = setup();
    for (let i = 0; i < 50; i++) q.enqueue('d1', { body: String(i) });
    // locked messages still count
    q.next('d1');
    expect(code(() => q.enqueue('d1', { body: 'x' }))).toBe(403004);
    expect(q.stats.rejectedQueueFull).toBe(1);
    expect(code(() => q.enqueue('ghost', { body: 'x' }))).toBe(404001);
    expect(code(() => q.enqueue('d2', { body: Buffer.alloc(64 * 1024) }))).toBeUndefined();
    expect(code(() => q.enqueue('d2', { body: Buffer.alloc(64 * 1024 + 1) }))).toBe(413001);
    expect(code(() => q.enqueue('d2', { body: 'x', ttlMs: 0 }))).toBe(400004);
  });

  it('TTL: default 1 h, expired at the instant; max 2 days; negative feedback on expiry', () => {
    const { q, clock } = setup();
    q.enqueue('d1', { body: 'a', messageId: 'short', ack: 'negative' });
    q.enqueue('d1', { body: 'b', messageId: 'long', ttlMs: 10 * 86_400_000, ack: 'full' });
    expect(q.peek('d1').map((m) => m.expiryMs - T0)).toEqual([3_600_000, 2 * 86_400_000]);
    clock.advance(3_600_000 - 1);
    expect(q.sweep()).toBe(0);
    clock.advance(1);
    expect(q.nextDeadline()).toBe(T0 + 3_600_000);
    expect(q.sweep()).toBe(1);
    expect(q.peek('d1').map((m) => m.messageId)).toEqual(['long']);
    expect(q.drainFeedback()).toEqual([
      {
        originalMessageId: 'short',
        description: 'Message Expired',
        deviceGenerationId: 'gen-1',
        deviceId: 'd1',
        enqueuedTimeUtc: '2025-01-01T01:00:00.000Z',
        statusCode: 'Expired',
      },
    ]);
    clock.set(T0 + 2 * 86_400_000);
    expect(q.next('d1')).toBeUndefined();
    expect(q.stats.expired).toBe(2);
    expect(q.drainFeedback().map((f) => f.statusCode)).toEqual(['Expired']);
  });

  it('redelivers after a disconnect and after the lock timeout; dead-letters past the max delivery count', () => {
    const { q, clock } = setup({ maxDeliveryCount: 3 });
    q.enqueue('d1', { body: 'x', messageId: 'm', ack: 'full' });
    expect(q.next('d1')?.deliveryCount).toBe(1);
    expect(q.releaseAll('d1')).toBe(1);
    expect(q.next('d1')?.deliveryCount).toBe(2);
    clock.advance(60_000); // lock timeout
    const third = q.next('d1');
    expect(third?.deliveryCount).toBe(3);
    expect(q.stats.redelivered).toBe(2);
    q.releaseAll('d1');
    expect(q.next('d1')).toBeUndefined();
    expect(q.depth('d1')).toBe(0);
    expect(q.drainFeedback().map((f) => [f.statusCode, f.description])).toEqual([
      ['DeliveryCountExceeded', 'Message delivery count exceeded'],
    ]);
    // the stale lock of the third delivery is gone
    expect(code(() => q.complete('d1', third?.lockToken ?? ''))).toBe(412002);
  });

  it('feedback by ack mode: positive only on success, none never, reject/abandon for HTTPS', () => {
    const { q } = setup();
    q.enqueue('d1', { body: 'a', messageId: 'p', ack: 'positive' });
    q.enqueue('d1', { body: 'b', messageId: 'n', ack: 'none' });
    q.enqueue('d1', { body: 'c', messageId: 'r', ack: 'negative' });
    const a = q.next('d1');
    const b = q.next('d1');
    const c = q.next('d1');
    q.complete('d1', a?.lockToken ?? '');
    q.complete('d1', b?.lockToken ?? '');
    q.abandon('d1', c?.lockToken ?? '');
    const c2 = q.next('d1');
    expect(c2?.deliveryCount).toBe(2);
    q.reject('d1', c2?.lockToken ?? '');
    expect(q.drainFeedback().map((f) => [f.originalMessageId, f.statusCode])).toEqual([
      ['p', 'Success'],
      ['r', 'Rejected'],
    ]);
    expect(q.stats).toMatchObject({ enqueued: 3, completed: 2, deadLettered: 1 });
  });

  it('keeps ids, properties and ack for the topic, in IoT Hub order', () => {
    const { q } = setup();
    const m = q.enqueue('d1', {
      body: '{}',
      messageId: 'mid',
      correlationId: 'cid',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      ack: 'full',
      properties: { color: 'red blue', flag: null },
      expiryTimeMs: T0 + 5000,
    });
    expect(c2dTopicProperties(m)).toEqual([
      ['$.mid', 'mid'],
      ['$.cid', 'cid'],
      ['$.to', '/devices/d1/messages/devicebound'],
      ['$.ct', 'application/json'],
      ['$.ce', 'utf-8'],
      ['$.exp', '2025-01-01T00:00:05.000Z'],
      ['iothub-ack', 'full'],
      ['color', 'red blue'],
      ['flag', null],
    ]);
    expect(c2dTopicProperties(q.enqueue('d1', { body: '' }))).toEqual([
      ['$.to', '/devices/d1/messages/devicebound'],
      ['iothub-ack', 'none'],
    ]);
  });

  it('purge empties a queue without feedback', () => {
    const { q, depths } = setup();
    q.enqueue('d1', { body: 'a', ack: 'full' });
    q.enqueue('d1', { body: 'b', ack: 'full' });
    expect(q.purge('d1')).toBe(2);
    expect(q.depth('d1')).toBe(0);
    expect(depths.at(-1)).toEqual(['d1', 0]);
    expect(q.drainFeedback()).toEqual([]);
  });
});
