import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { IotHubError, isIotHubError } from '../../src/hub/iothub/index.js';
import { ManualTimers } from '../../src/hub/iothub/timers.js';

describe('ManualTimers', () => {
  it('fires due timers in order, moving the clock to each, and honours clearTimeout', () => {
    const clock = new ManualClock(1000);
    const timers = new ManualTimers(clock);
    const fired: [string, number][] = [];
    timers.setTimeout(() => fired.push(['b', clock.now()]), 20);
    timers.setTimeout(() => {
      fired.push(['a', clock.now()]);
      timers.setTimeout(() => fired.push(['nested', clock.now()]), 5);
    }, 10);
    const h = timers.setTimeout(() => fired.push(['cleared', clock.now()]), 15);
    timers.clearTimeout(h);
    timers.advance(19);
    expect(fired).toEqual([
      ['a', 1010],
      ['nested', 1015],
    ]);
    expect(clock.now()).toBe(1019);
    timers.advance(1);
    expect(fired.at(-1)).toEqual(['b', 1020]);
    expect(timers.size).toBe(0);
  });
});

describe('IotHubError', () => {
  it('carries the code, the HTTP status and the wire body', () => {
    const e = new IotHubError('ThrottlingException', 'slow down');
    expect([e.errorCode, e.status, e.errorName]).toEqual([429001, 429, 'ThrottlingException']);
    expect(e.errorBody()).toEqual({ errorCode: 429001, message: 'slow down' });
    expect(isIotHubError(e, 'ThrottlingException')).toBe(true);
    expect(isIotHubError(e, 'DeviceNotFound')).toBe(false);
    expect(isIotHubError(new Error('x'))).toBe(false);
  });
});
