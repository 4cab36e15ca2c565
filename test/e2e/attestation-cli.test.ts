/**
 * `fleetsim attestation` (built, spawned): serves the attestation endpoints for a seed and firmware list; a device of
 * that seed attests over HTTP (200 and a SAS credential for the hub host; a revoked release 403 SVN_REVOKED); Ctrl-C
 * prints the counts; bad flags are usage errors (exit 2) that say what to write.
 */
import { describe, expect, it } from 'vitest';
import { encodeEvidence } from '../../src/attestation/index.js';
import { boot, firmwareCatalog, installed, makeEvidence } from '../../src/devices/secure-os/index.js';
import { parseFirmwareSpec } from '../../src/cli/attestation-command.js';
import { fleetsim } from '../support/cli.js';

const START = Date.UTC(2026, 0, 1);

describe('fleetsim attestation', () => {
  it('parses --firmware specs', () => {
    expect(parseFirmwareSpec('app@2.3.0:svn=3')).toEqual({ name: 'app', version: '2.3.0', svn: 3, sizeBytes: 262144 });
    expect(parseFirmwareSpec('app@2.2.0:svn=2:size=1000:revoked')).toEqual({ name: 'app', version: '2.2.0', svn: 2, sizeBytes: 1000, revoked: true });
    expect(() => parseFirmwareSpec('app@2.3.0')).toThrow(/svn=N is required/);
  });

  it('serves challenge and evidence for a seed; Ctrl-C prints the counts', async () => {
    const catalog = firmwareCatalog('42', [
      { name: 'app', version: '2.3.0', svn: 3, sizeBytes: 262144 },
      { name: 'app', version: '2.2.0', svn: 2, sizeBytes: 262144, revoked: true },
    ]);
    const device = (version: string) =>
      boot({ device: { seed: '42', globalIndex: 0, deviceId: 'sensor-0', startTimeMs: START }, catalog, app: installed(catalog.image('app', version)) });
    let outcomes: Array<{ status: number; body: Record<string, unknown> }> = [];
    let failure: unknown;
    const run = await fleetsim(
      ['attestation', '--seed', '42', '--port', '0', '--firmware', 'app@2.3.0:svn=3', '--firmware', 'app@2.2.0:svn=2:revoked', '--enroll', 'sensor-{index}:10'],
      {
        onStderr: (chunk, child) => {
          const url = /listening on (http:\/\/\S+)/.exec(chunk)?.[1];
          if (url === undefined) return;
          const post = async (path: string, body: string) => {
            const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
            return { status: res.status, body: (await res.json()) as Record<string, unknown> };
          };
          const attest = async (version: string) => {
            const { body } = await post('/attestation/challenge', JSON.stringify({ deviceId: 'sensor-0' }));
            return post('/attestation/evidence', encodeEvidence(makeEvidence(device(version), body.nonce as string)));
          };
          void (async () => [await attest('2.3.0'), await attest('2.2.0')])()
            .then((o) => (outcomes = o), (e: unknown) => (failure = e))
            .finally(() => child.kill('SIGINT'));
        },
      },
    );
    expect(failure).toBeUndefined();
    expect(run.code).toBe(0);
    expect(outcomes[0]?.status).toBe(200);
    expect(outcomes[0]?.body.credential).toMatchObject({ kind: 'sas', scope: 'full', token: expect.stringContaining('sr=embedded.fleetsim.local%2Fdevices%2Fsensor-0') });
    expect(outcomes[1]).toMatchObject({ status: 403, body: { reason: 'SVN_REVOKED' } });
    expect(run.stderr).toMatch(/attestations: 2 \(passed 1; refused: SVN_REVOKED 1\); credentials: sas 1, x509 0, quarantine 0/);
  });

  it('a bad --firmware is a usage error naming the fix', async () => {
    const run = await fleetsim(['attestation', '--seed', '1', '--firmware', 'app-2.3.0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--firmware "app-2.3.0": expected name@version first/);
    expect(run.stderr).toMatch(/name@version:svn=N/);
  });
});
