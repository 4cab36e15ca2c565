/** The embedded hub's attestation service: HTTP endpoints, registration of secure-OS fleets, CONNECT enforcement. */
export { type AttestationRequire, type HubAttestation, type SecureOsFleet, attestationServiceKey, findRelease } from '../../attestation/service-config.js';
export { type AttestationService, type SecureDevicePolicy, type SecureFleetIds, createAttestationService } from '../../attestation/service.js';
export { type AttestationHttp, createAttestationHttp } from './routes.js';
export { type EnforcementOptions, type EnforcementStats, FIRMWARE_TOPIC_PREFIX, attestationHooks, isFirmwareTopic } from './enforcement.js';
export { ATTESTATION_CA_NAME, secureDeviceCreate } from './register.js';
