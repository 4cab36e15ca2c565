import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certInfo, chainAnchor, createRootCa, createSelfSignedClientCert, derOf, issueClientCert, issueIntermediateCa, issuedBy, thumbprints } from '../../src/core/x509.js';
import { resolveDataDir } from '../../src/hub/data-dir.js';
import { ensureHubPki } from '../../src/hub/pki.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'fleetsim-pki-'));
  dirs.push(d);
  return d;
};

describe('core/x509', () => {
  it('thumbprints are IoT Hub style: uppercase hex SHA-1 (40) and SHA-256 (64) of the DER certificate', async () => {
    const c = await createSelfSignedClientCert({ commonName: 'dev-1' });
    const t = thumbprints(c.cert);
    const node = new X509Certificate(c.cert);
    expect(t.sha1).toBe(node.fingerprint.replaceAll(':', ''));
    expect(t.sha256).toBe(node.fingerprint256.replaceAll(':', ''));
    expect(t.sha1).toMatch(/^[0-9A-F]{40}$/);
    expect(thumbprints(derOf(c.cert))).toEqual(t);
    expect(certInfo(c.cert).commonName).toBe('dev-1');
  });

  it('device leaves chain to their CA, directly or through an intermediate the device presents; not to another CA', async () => {
    const now = Date.now();
    const root = await createRootCa({ commonName: 'root' });
    const leaf = await issueClientCert(root, { commonName: 'dev-2' });
    expect(issuedBy(leaf.cert, root.cert)).toBe(true);
    expect(chainAnchor([leaf.cert], [root.cert], now)).toBe(0);
    const other = await createRootCa({ commonName: 'other' });
    expect(chainAnchor([leaf.cert], [other.cert], now)).toBe(-1);
    // Through an intermediate: the device presents leaf + intermediate (IoT Hub: "the full chain"), the hub trusts the root.
    const mid = await issueIntermediateCa(root, { commonName: 'intermediate' });
    const deep = await issueClientCert(mid, { commonName: 'dev-3' });
    expect(chainAnchor([deep.cert, mid.cert], [other.cert, root.cert], now)).toBe(1);
    expect(chainAnchor([deep.cert], [root.cert], now)).toBe(-1); // the intermediate was not presented
    expect(chainAnchor([deep.cert], [mid.cert], now)).toBe(0); // or the intermediate itself is the trusted CA
    // expired at the given time
    expect(chainAnchor([leaf.cert], [root.cert], now + 400 * 86_400_000)).toBe(-1);
  });
});

describe('the hub data directory', () => {
  it('resolves --data-dir, then FLEETSIM_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(resolveDataDir('/x', { FLEETSIM_DATA_DIR: '/y' })).toBe('/x');
    expect(resolveDataDir(undefined, { FLEETSIM_DATA_DIR: '/y', XDG_DATA_HOME: '/z' })).toBe('/y');
    expect(resolveDataDir(undefined, { XDG_DATA_HOME: '/z' })).toBe('/z/fleetsim/hub');
    expect(resolveDataDir(undefined, {}, '/home/u')).toBe('/home/u/.local/share/fleetsim/hub');
  });

  it('makes a CA once (key 0600), reuses it, and issues the server certificate again when names change or it expires', async () => {
    const dir = tmp();
    const first = await ensureHubPki(dir, ['hub.example']);
    expect(first.created).toEqual({ ca: true, server: true });
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(certInfo(first.server.cert).altNames).toEqual(expect.arrayContaining(['DNS:localhost', 'IP Address:127.0.0.1', 'DNS:hub.example']));
    expect(issuedBy(first.server.cert, first.ca.cert)).toBe(true);

    const again = await ensureHubPki(dir, ['hub.example']);
    expect(again.created).toEqual({ ca: false, server: false });
    expect(again.ca.cert).toBe(first.ca.cert);
    expect(again.server.cert).toBe(first.server.cert);

    const renamed = await ensureHubPki(dir, ['other.example']);
    expect(renamed.created).toEqual({ ca: false, server: true });
    expect(renamed.ca.cert).toBe(first.ca.cert);
    expect(certInfo(renamed.server.cert).altNames).toContain('DNS:other.example');

    const later = await ensureHubPki(dir, ['other.example'], Date.now() + 370 * 86_400_000); // server cert lasts 365 days
    expect(later.created).toEqual({ ca: false, server: true });
    expect(readFileSync(join(dir, 'server.pem'), 'utf8')).toBe(later.server.cert);
  });
});
