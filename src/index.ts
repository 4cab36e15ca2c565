/**
 * fleetsim's public API: what a TypeScript device model needs (types, and the zod that fleetsim validates params
 * with), and loading a scenario programmatically. The CLI (bin/fleetsim.js) is the main way in.
 */
export type { AnyDeviceModel, ChannelInfo, CommandResult, DeviceCommand, DeviceContext, DeviceModel, Readings } from './devices/model.js';
export type { Rng } from './core/rng.js';
export { z } from './core/zod.js';
export { ScenarioError, compileScenarioText, formatDiagnostics, loadScenarioFile } from './scenario/index.js';
export type { FleetPlan, RunPlan } from './scenario/plan.js';
export {
  Verifier, REFUSAL_REASONS, attestationCa, decodeEvidence, decodeOutcome, encodeEvidence, encodeOutcome,
  type AttestationOutcome, type AttestationPolicy, type Credential, type RefusalReason, type VerifierOptions,
} from './attestation/index.js';
export {
  boot, factoryCa, firmwareCatalog, installed, makeEvidence,
  type BootResult, type Evidence, type FirmwareCatalog, type FirmwareRelease, type Measurement,
} from './devices/secure-os/index.js';
