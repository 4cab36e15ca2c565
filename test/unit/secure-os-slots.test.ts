import { describe, expect, it } from 'vitest';
import {
  activeImage, bootInactive, commit, factorySlots, inactiveImage, installedFromBytes, rollback, tampered, unsigned, writeInactive,
} from '../../src/devices/secure-os/index.js';
import { catalog, image } from '../support/secure-os.js';

describe('secure OS: A/B slots', () => {
  it('update: write to the inactive slot, trial boot, commit advances the anti-rollback counter', () => {
    const s0 = factorySlots(image('2.3.0'));
    expect(s0).toMatchObject({ active: 'a', trial: false, counter: 3 });
    const written = writeInactive(s0, installedFromBytes(catalog.image('thermostat-app', '2.4.0'), catalog.image('thermostat-app', '2.4.0').bytes()));
    expect(activeImage(written).version).toBe('2.3.0');
    const trial = bootInactive(written, catalog);
    expect(trial.ok).toBe(true);
    expect(trial.state).toMatchObject({ active: 'b', trial: true, counter: 3 });
    expect(activeImage(trial.state).version).toBe('2.4.0');
    const done = commit(trial.state);
    expect(done).toMatchObject({ active: 'b', trial: false, counter: 4 });
  });

  it('a failed health check rolls back to the previous slot; the counter has not moved', () => {
    const trial = bootInactive(writeInactive(factorySlots(image('2.3.0')), image('2.4.0')), catalog);
    const back = rollback(trial.state);
    expect(back.ok).toBe(true);
    expect(back.state).toMatchObject({ active: 'a', trial: false, counter: 3 });
    expect(activeImage(back.state).version).toBe('2.3.0');
  });

  it('after commit, rolling back to the older svn is refused (ROLLBACK)', () => {
    const trial = bootInactive(writeInactive(factorySlots(image('2.3.0')), image('2.4.0')), catalog);
    const committed = commit(trial.state);
    const back = rollback(committed);
    expect(back.ok).toBe(false);
    if (!back.ok) expect(back.refusal).toBe('ROLLBACK');
    expect(back.state).toBe(committed);
  });

  it('secure boot refuses a downgrade, a corrupted download and an unsigned image in the inactive slot', () => {
    const s0 = factorySlots(image('2.3.0'));
    const corrupt = Buffer.from(catalog.image('thermostat-app', '2.4.0').bytes());
    corrupt[100] = (corrupt[100] ?? 0) ^ 0xff;
    const cases = [
      [image('1.0.0'), 'ROLLBACK'],
      [installedFromBytes(catalog.image('thermostat-app', '2.4.0'), corrupt), 'CORRUPT_IMAGE'],
      [tampered(image('2.4.0')), 'CORRUPT_IMAGE'],
      [unsigned(image('2.4.0')), 'UNSIGNED_IMAGE'],
    ] as const;
    for (const [img, refusal] of cases) {
      const step = bootInactive(writeInactive(s0, img), catalog);
      expect(step.ok).toBe(false);
      if (!step.ok) expect(step.refusal).toBe(refusal);
      expect(activeImage(step.state).version).toBe('2.3.0');
    }
    // The attacker's bypass boots the downgrade anyway (the verifier must catch it).
    const bypass = bootInactive(writeInactive(s0, image('1.0.0')), catalog, { skipAntiRollback: true });
    expect(bypass.ok).toBe(true);
    expect(inactiveImage(bypass.state)?.version).toBe('2.3.0');
  });
});
