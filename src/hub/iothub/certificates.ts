/**
 * The hub's trusted CA certificates (IoT Hub's "Certificates" blade): root or intermediate CAs that X.509
 * `certificateAuthority` devices chain to. A subset of IoT Hub's behaviour: a certificate can be added already verified
 * (fleetsim does not run the proof-of-possession dance); an unverified one is kept and listed but trusts no device, as
 * on IoT Hub.
 */
import { certInfo, thumbprints } from '../../core/x509.js';
import { IotHubError } from './errors.js';
import { isoMs } from './json.js';

export interface CaCertificate {
  readonly name: string;
  readonly pem: string;
  readonly subject: string;
  readonly thumbprint: string;
  readonly expiryMs: number;
  readonly createdMs: number;
  isVerified: boolean;
  etag: string;
}

/** The JSON of one certificate, shaped like IoT Hub's CertificateDescription (resource provider API). */
export interface CertificateJson {
  name: string;
  etag: string;
  properties: { subject: string; thumbprint: string; isVerified: boolean; expiry: string; created: string; updated: string; certificate: string };
}

const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

export class CaStore {
  private readonly byName = new Map<string, CaCertificate>();
  private seq = 0;

  constructor(private readonly now: () => number) {}

  /** Add or replace a CA; 400004 on a bad name or certificate. */
  put(name: string, pem: string, isVerified: boolean): CaCertificate {
    if (!NAME_RE.test(name)) throw new IotHubError('ArgumentInvalid', `certificate name ${JSON.stringify(name)}: 1 to 64 letters, digits, - or _`);
    let info: ReturnType<typeof certInfo>;
    try {
      info = certInfo(pem);
    } catch (err) {
      throw new IotHubError('ArgumentInvalid', `certificate ${name} is not a PEM X.509 certificate: ${(err as Error).message}`);
    }
    const c: CaCertificate = {
      name,
      pem,
      subject: info.commonName === undefined ? '' : `CN=${info.commonName}`,
      thumbprint: thumbprints(pem).sha1,
      expiryMs: info.notAfterMs,
      createdMs: this.byName.get(name)?.createdMs ?? this.now(),
      isVerified,
      etag: Buffer.from(String(++this.seq)).toString('base64'),
    };
    this.byName.set(name, c);
    return c;
  }

  get(name: string): CaCertificate | undefined {
    return this.byName.get(name);
  }

  delete(name: string): boolean {
    return this.byName.delete(name);
  }

  list(): CaCertificate[] {
    return [...this.byName.values()];
  }

  /** PEMs of the verified CAs: the trust anchors of certificateAuthority devices. */
  anchors(): string[] {
    return this.list().filter((c) => c.isVerified).map((c) => c.pem);
  }
}

export function certificateJson(c: CaCertificate): CertificateJson {
  return {
    name: c.name,
    etag: c.etag,
    properties: {
      subject: c.subject,
      thumbprint: c.thumbprint,
      isVerified: c.isVerified,
      expiry: new Date(c.expiryMs).toUTCString(),
      created: isoMs(c.createdMs),
      updated: isoMs(c.createdMs),
      certificate: c.pem,
    },
  };
}
