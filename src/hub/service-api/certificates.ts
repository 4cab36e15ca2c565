/**
 * Trusted CA certificates of the hub, a subset of IoT Hub's certificate resource (which Azure serves from its resource
 * provider API, not the service API; fleetsim puts it next to the registry, under the same service SAS):
 *   GET    /certificates              → { value: [CertificateDescription…] }
 *   GET    /certificates/{name}       → CertificateDescription
 *   PUT    /certificates/{name}       body { properties: { certificate: PEM or base64 DER, isVerified? } } → 200/201
 *   DELETE /certificates/{name}       → 200
 * `isVerified` defaults to true: fleetsim skips the proof-of-possession step (an unverified CA trusts no device).
 */
import { ApiError, badRequest, readJson, sendJson } from './http.js';
import type { Router } from './router.js';
import type { IotHubGateway } from '../iothub-gateway.js';
import { certificateJson } from '../iothub/certificates.js';
import { isJsonObject } from '../iothub/json.js';

const notFound = (name: string): ApiError => new ApiError(404001, 'CertificateNotFound', `Certificate ${name} not found`);

/** PEM as given, or base64 DER wrapped in PEM (the Azure CLI uploads either). */
function toPem(text: string): string {
  if (text.includes('-----BEGIN CERTIFICATE-----')) return text;
  const b64 = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) throw badRequest('properties.certificate must be a PEM certificate or base64 DER');
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

export function certificateRoutes(router: Router, gateway: IotHubGateway): void {
  const store = gateway.certificates;
  router.add('GET', '/certificates', async ({ res }) => sendJson(res, 200, { value: store.list().map(certificateJson) }));
  router.add('GET', '/certificates/{name}', async ({ res, params }) => {
    const c = store.get(params.name ?? '');
    if (c === undefined) throw notFound(params.name ?? '');
    sendJson(res, 200, certificateJson(c));
  });
  router.add('PUT', '/certificates/{name}', async ({ req, res, params }) => {
    const body = await readJson(req);
    const props = isJsonObject(body) && isJsonObject(body.properties) ? body.properties : isJsonObject(body) ? body : undefined;
    const certificate = props?.certificate;
    if (typeof certificate !== 'string') throw badRequest('properties.certificate (a PEM certificate) is required');
    const verified = props?.isVerified;
    if (verified !== undefined && typeof verified !== 'boolean') throw badRequest('properties.isVerified must be a boolean');
    const name = params.name ?? '';
    const existed = store.get(name) !== undefined;
    sendJson(res, existed ? 200 : 201, certificateJson(store.put(name, toPem(certificate), verified ?? true)));
  });
  router.add('DELETE', '/certificates/{name}', async ({ res, params }) => {
    if (!store.delete(params.name ?? '')) throw notFound(params.name ?? '');
    sendJson(res, 200, {});
  });
}
