import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { IotHubError } from '../../src/hub/iothub/errors.js';
import { MethodCalls } from '../../src/hub/iothub/methods.js';
import { ManualTimers } from '../../src/hub/iothub/timers.js';

function setup() {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  const online = new Set<string>(['d1', 'flaky']);
  const sent: [string, string, string, unknown][] = [];
  const calls = new MethodCalls({
    timers,
    isOnline: (id) => online.has(id),
    exists: (id) => id !== 'ghost',
    send: (id, name, rid, payload) => {
      if (id === 'flaky') throw new Error('socket closed');
      sent.push([id, name, rid, payload]);
    },
  });
  return { clock, timers, online, sent, calls };
}

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IotHubError) return e.errorCode;
    throw e;
  }
  return undefined;
}

describe('MethodCalls', () => {
  it('sends with a hex counter rid and resolves with the device status and body', async () => {
    const { calls, sent } = setup();
    const p = calls.invoke('d1', 'reboot', { delay: 1 });
    calls.invoke('d1', 'ping', undefined).catch(() => {});
    expect(sent).toEqual([
      ['d1', 'reboot', '1', { delay: 1 }],
      ['d1', 'ping', '2', null],
    ]);
    expect(calls.respond('d1', '1', 200, { ok: true })).toBe(true);
    await expect(p).resolves.toEqual({ status: 200, payload: { ok: true } });
    expect(calls.pending).toBe(1);
  });

  it('404103 at once when offline and connectTimeout is 0; 404001 for unknown devices', async () => {
    const { calls, sent } = setup();
    const e = await calls.invoke('d2', 'x', {}).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(IotHubError);
    expect((e as IotHubError).status).toBe(404);
    expect((e as IotHubError).errorBody()).toEqual({ errorCode: 404103, message: 'Device d2 is not online' });
    expect(await codeOf(calls.invoke('ghost', 'x', {}))).toBe(404001);
    // online, but the publish fails: offline too
    expect(await codeOf(calls.invoke('flaky', 'x', {}))).toBe(404103);
    expect(sent).toEqual([]);
    expect(calls.stats.offline).toBe(2);
    expect(calls.pending).toBe(0);
  });

  it('waits up to connectTimeout for the device; sends when it comes online; 404103 if it never does', async () => {
    const { calls, sent, timers, online } = setup();
    const waited = calls.invoke('d2', 'fw', { v: 2 }, { connectTimeoutS: 10 });
    const never = calls.invoke('d3', 'fw', {}, { connectTimeoutS: 10 });
    timers.advance(9_999);
    expect(sent).toEqual([]);
    online.add('d2');
    calls.deviceOnline('d2');
    expect(sent).toEqual([['d2', 'fw', '1', { v: 2 }]]);
    timers.advance(1);
    expect(await codeOf(never)).toBe(404103);
    calls.respond('d2', '1', 202, null);
    await expect(waited).resolves.toEqual({ status: 202, payload: null });
  });

  it('504101 after responseTimeout (default 30 s, counted from the send); late responses are ignored and counted', async () => {
    const { calls, timers } = setup();
    const p = calls.invoke('d1', 'slow', {});
    const q = calls.invoke('d1', 'slower', {}, { responseTimeoutS: 300 });
    timers.advance(29_999);
    expect(calls.pending).toBe(2);
    timers.advance(1);
    expect(await codeOf(p)).toBe(504101);
    expect(calls.respond('d1', '1', 200, {})).toBe(false);
    expect(calls.respond('d1', 'ff', 200, {})).toBe(false);
    expect(calls.respond('other', '2', 200, {})).toBe(false); // not its call
    expect(calls.stats.lateOrUnknownResponses).toBe(3);
    timers.advance(270_000);
    expect(await codeOf(q)).toBe(504101);
    expect(calls.stats.timedOut).toBe(2);
    expect(timers.size).toBe(0);
  });

  it('validates timeouts (5..300, 0..300) and method names with 400004', async () => {
    const { calls } = setup();
    expect(await codeOf(calls.invoke('d1', 'm', {}, { responseTimeoutS: 4 }))).toBe(400004);
    expect(await codeOf(calls.invoke('d1', 'm', {}, { responseTimeoutS: 301 }))).toBe(400004);
    expect(await codeOf(calls.invoke('d1', 'm', {}, { connectTimeoutS: 301 }))).toBe(400004);
    expect(await codeOf(calls.invoke('d1', 'm', {}, { connectTimeoutS: -1 }))).toBe(400004);
    expect(await codeOf(calls.invoke('d1', '', {}))).toBe(400004);
    const ok = calls.invoke('d1', 'm', {}, { responseTimeoutS: 5, connectTimeoutS: 300 });
    calls.respond('d1', '1', 200, null);
    await expect(ok).resolves.toEqual({ status: 200, payload: null });
  });

  it('payloads up to 128 KB each way; 413001 beyond', async () => {
    const { calls } = setup();
    const exact = 'x'.repeat(128 * 1024 - 2); // JSON adds the two quotes
    const ok = calls.invoke('d1', 'm', exact);
    expect(await codeOf(calls.invoke('d1', 'm', exact + 'x'))).toBe(413001);
    calls.respond('d1', '1', 200, exact);
    await expect(ok).resolves.toEqual({ status: 200, payload: exact });
    const big = calls.invoke('d1', 'm', {});
    expect(calls.respond('d1', '2', 200, exact + 'x')).toBe(true);
    expect(await codeOf(big)).toBe(413001);
    expect(calls.stats.tooLarge).toBe(2);
  });
});
