/**
 * IoT Hub file upload from a device (reference §2.7), the four steps the Azure SDKs take: POST /devices/{id}/files
 * for a blob SAS URI, Put Blob (`x-ms-blob-type: BlockBlob`) to `{scheme}://{hostName}/{container}/{blobName}{sasToken}`,
 * then POST /devices/{id}/files/notifications with the outcome (isSuccess false when the Put Blob failed, so the hub
 * frees the upload slot). The blob URL's scheme follows the hub's: https for a real hub, http for the embedded hub's
 * loopback endpoint (the hub returns its own `127.0.0.1:port` as hostName; a real hub returns `<account>.blob.core.windows.net`).
 */
import { TransportError } from '../transport.js';
import type { DeviceHttpClient } from './http-client.js';

interface SasUri {
  correlationId: string;
  hostName: string;
  containerName: string;
  blobName: string;
  sasToken: string;
}

export async function uploadFile(client: DeviceHttpClient, blobName: string, body: Uint8Array): Promise<void> {
  const json = { 'content-type': 'application/json' };
  const init = await client.call('POST', '/files', { headers: json, body: JSON.stringify({ blobName }) });
  const sas = JSON.parse(init.body.toString('utf8')) as SasUri;
  if (typeof sas.correlationId !== 'string' || typeof sas.sasToken !== 'string' || typeof sas.hostName !== 'string') {
    throw new TransportError('BAD_UPLOAD_ANSWER', 'the hub answered the file upload request without correlationId, hostName or sasToken');
  }
  const scheme = client.id.baseUrl.startsWith('http://') ? 'http' : 'https';
  const blobPath = sas.blobName.split('/').map(encodeURIComponent).join('/');
  const blobUrl = `${scheme}://${sas.hostName}/${sas.containerName}/${blobPath}${sas.sasToken}`;
  let failure: unknown;
  try {
    await client.request(blobUrl, 'PUT', { headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/octet-stream' }, body });
  } catch (err) {
    failure = err;
  }
  const outcome = failure === undefined ? { isSuccess: true, statusCode: 201, statusDescription: 'uploaded' } : { isSuccess: false, statusCode: 500, statusDescription: String((failure as Error).message) };
  await client.call('POST', `/files/notifications/${encodeURIComponent(sas.correlationId)}`, { headers: json, body: JSON.stringify({ correlationId: sas.correlationId, ...outcome }) });
  if (failure !== undefined) throw failure;
}
