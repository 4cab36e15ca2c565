/**
 * SAS tokens of fleetsim's local blob endpoint. The shape is Azure Storage's service SAS for one blob
 * (`?sv=…&sr=b&sp=rw&se=<ISO>&sig=…`, reference §2.7: the token starts with `?`), but the signature is fleetsim's own
 * string-to-sign, not Azure Storage's 16-line one: `HMAC-SHA256(key, sp + "\n" + se + "\n" + "/blob/" + account +
 * "/" + container + "/" + blobName + "\n" + sv)`, base64. Only the hub that issued a token can check it, as with a
 * real account key; clients treat the token as opaque, so the Azure SDK's blob client does not notice.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const BLOB_SAS_VERSION = '2018-03-28';

export interface BlobSasScope {
  readonly account: string;
  readonly container: string;
  /** `{deviceId}/{name}`, unencoded. */
  readonly blobName: string;
}

function sign(keyBase64: string, scope: BlobSasScope, sp: string, se: string, sv: string): string {
  const canonical = `/blob/${scope.account}/${scope.container}/${scope.blobName}`;
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(`${sp}\n${se}\n${canonical}\n${sv}`, 'utf8').digest('base64');
}

/** `?sv=…&sr=b&sig=…&se=…&sp=rw` for one blob, valid until `expiryMs`. */
export function createBlobSas(keyBase64: string, scope: BlobSasScope, expiryMs: number, permissions = 'rw'): string {
  const se = new Date(Math.floor(expiryMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const sig = sign(keyBase64, scope, permissions, se, BLOB_SAS_VERSION);
  const q = new URLSearchParams({ sv: BLOB_SAS_VERSION, sr: 'b', sig, se, sp: permissions });
  return `?${q.toString()}`;
}

export type BlobSasFailure = 'missing' | 'not-a-blob-sas' | 'no-permission' | 'expired' | 'bad-signature';

/** Null when `query` carries a valid token for `scope` granting `need` ('r' or 'w'), else why not. */
export function verifyBlobSas(keyBase64: string, scope: BlobSasScope, query: URLSearchParams, need: 'r' | 'w', nowMs: number): BlobSasFailure | null {
  const sig = query.get('sig');
  const se = query.get('se');
  const sp = query.get('sp');
  const sv = query.get('sv');
  if (sig === null || se === null || sp === null || sv === null) return 'missing';
  if (query.get('sr') !== 'b') return 'not-a-blob-sas';
  const expected = Buffer.from(sign(keyBase64, scope, sp, se, sv), 'utf8');
  const given = Buffer.from(sig, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad-signature';
  if (!sp.includes(need)) return 'no-permission';
  const expiry = Date.parse(se);
  if (!Number.isFinite(expiry) || expiry <= nowMs) return 'expired';
  return null;
}
