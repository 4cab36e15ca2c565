/**
 * The metric catalog: every metric fleetsim records, its type, unit and formula. Thresholds, the report and the
 * README's glossary all read this table, so a metric exists in one place.
 *
 * Types (as in k6):
 *  - trend:   an HDR histogram of integer microseconds; aggregations p(N), avg, min, max, med, count.
 *  - counter: a sum; aggregations count, rate (= count per second of the phase or run).
 *  - rate:    a fraction of successes in [0, 1]; aggregation rate.
 *  - gauge:   a value sampled per interval, summed over shards; aggregations min, max, avg (over the samples).
 */
export type MetricType = 'trend' | 'counter' | 'rate' | 'gauge';

export interface MetricInfo {
  readonly type: MetricType;
  readonly unit: 'µs' | 'messages' | 'connections' | 'devices' | 'events' | 'fraction' | 'bytes';
  /** The formula, printed in --help and the README glossary. */
  readonly formula: string;
}

export const METRICS = {
  'connect.latency': { type: 'trend', unit: 'µs', formula: 'CONNACK received − connection attempt started' },
  'telemetry.latency': {
    type: 'trend',
    unit: 'µs',
    formula: 'ack − intended send time (PUBACK for QoS 1, socket write for QoS 0); includes generator lag, so coordinated omission cannot hide',
  },
  'telemetry.service_time': { type: 'trend', unit: 'µs', formula: 'ack − actual send time' },
  'telemetry.e2e': {
    type: 'trend',
    unit: 'µs',
    formula: 'observer receive time − send time stamped in the payload (same host clock)',
  },
  'telemetry.device_to_hub': {
    type: 'trend',
    unit: 'µs',
    formula:
      "hub's iothub-enqueuedtime − send time stamped in the payload (embedded hub, same host clock; 0 when clocks disagree by more): includes shaping delays",
  },
  'telemetry.hub_to_consumer': {
    type: 'trend',
    unit: 'µs',
    formula: "observer receive time − the hub's iothub-enqueuedtime (embedded hub; 0 when clocks disagree by more)",
  },
  'telemetry.buffer_age': {
    type: 'trend',
    unit: 'µs',
    formula: 'flush time − intended time of a buffered reading: how long it waited in the device (offline, asleep)',
  },
  'provision.latency': {
    type: 'trend',
    unit: 'µs',
    formula: 'DPS registration done (assigned) − started, once per device before its first hub connection (provisioning: dps)',
  },
  'method.latency': {
    type: 'trend',
    unit: 'µs',
    formula: 'service API call answered − call started, for invoke-method phases (hub → device → hub round trip)',
  },
  'twin.latency': {
    type: 'trend',
    unit: 'µs',
    formula: 'service API twin PATCH answered − started, for twin-update phases (the hub pushes the patch before answering)',
  },
  'upload.latency': {
    type: 'trend',
    unit: 'µs',
    formula: 'file upload done (hub answered the notification) − intended start, for file-upload phases: SAS URI request + Put Blob + notification',
  },
  'attestation.latency': {
    type: 'trend',
    unit: 'µs',
    formula: 'attestation answered (credential or refusal) − challenge request started: challenge + evidence round trips, device evidence and hub verification (secureOs)',
  },
  'ota.download_time': {
    type: 'trend',
    unit: 'µs',
    formula: 'last byte of the image received − first chunk or Range request sent, per download attempt that completed (firmware-rollout)',
  },
  'ota.update_time': {
    type: 'trend',
    unit: 'µs',
    formula: "update committed − the device's intended update start (its wave start + seeded offset): download, verify, install, reboot, attest, health check",
  },
  'ota.converge_time': {
    type: 'trend',
    unit: 'µs',
    formula: 'update committed − rollout phase start, per device; its max is the time the fleet took to converge on the new version',
  },
  'schedule.lag': {
    type: 'trend',
    unit: 'µs',
    formula: 'actual time a scheduled device action ran − its intended time (sends and connects)',
  },
  'eventloop.delay': {
    type: 'trend',
    unit: 'µs',
    formula: "how late a 10 ms probe timer fires in each worker's event loop",
  },
  'connect.attempts': { type: 'counter', unit: 'connections', formula: 'connection attempts, first connects and reconnects' },
  'connect.ok': { type: 'counter', unit: 'connections', formula: 'attempts that got a successful CONNACK' },
  'connect.failed': { type: 'counter', unit: 'connections', formula: 'attempts that failed (by error code in errors)' },
  'device.disconnects': {
    type: 'counter',
    unit: 'events',
    formula: 'established connections lost before the drain (storm, broker close, network error)',
  },
  'device.reconnects': { type: 'counter', unit: 'connections', formula: 'successful connects after a disconnect' },
  'device.reboots': {
    type: 'counter',
    unit: 'events',
    formula: 'device reboots (watchdog resets, reboot commands): connection cut, RAM buffer lost, boot time, reconnect',
  },
  'device.dead': {
    type: 'counter',
    unit: 'events',
    formula: 'devices stopped for good because their model died (battery exhausted)',
  },
  'downlink.methods': { type: 'counter', unit: 'messages', formula: 'direct method requests devices received and answered (IoT Hub dialect)' },
  'downlink.desired': {
    type: 'counter',
    unit: 'messages',
    formula: 'desired-property updates devices received (twin GET on connect and patches), acknowledged in reported properties',
  },
  'downlink.c2d': { type: 'counter', unit: 'messages', formula: 'cloud-to-device messages devices received (IoT Hub dialect)' },
  'method.calls': { type: 'counter', unit: 'events', formula: 'direct method calls made by invoke-method phases' },
  'method.failed': {
    type: 'counter',
    unit: 'events',
    formula: 'calls without a device answer (offline 404103, timeout 504101, …; by code in errors); a device status ≥ 300 still counts as answered',
  },
  'method.throttled': {
    type: 'counter',
    unit: 'events',
    formula: 'calls the hub refused for its tier throttling or daily quota (429001, 429002, 403002; hub: tier); not in method.failed',
  },
  'twin.updates': { type: 'counter', unit: 'events', formula: 'desired-property patches made by twin-update phases' },
  'twin.failed': { type: 'counter', unit: 'events', formula: 'twin patches the hub refused (by code in errors), throttling apart' },
  'twin.throttled': {
    type: 'counter',
    unit: 'events',
    formula: 'twin patches the hub refused for its tier throttling or daily quota (429001, 429002, 403002; hub: tier); not in twin.failed',
  },
  'upload.ok': { type: 'counter', unit: 'events', formula: 'file uploads whose four steps all succeeded (file-upload phases)' },
  'upload.failed': { type: 'counter', unit: 'events', formula: 'file uploads that failed at any step (by code in errors, e.g. HUB_403006)' },
  'upload.skipped': { type: 'counter', unit: 'events', formula: 'uploads due while their device was not connected (not attempted)' },
  'upload.bytes': { type: 'counter', unit: 'bytes', formula: 'bytes of the files uploaded successfully' },
  'attestation.ok': { type: 'counter', unit: 'events', formula: 'attestations answered with a full credential (secureOs)' },
  'attestation.quarantined': {
    type: 'counter',
    unit: 'events',
    formula: 'attestations refused and answered with an update-only credential (hub.attestation.require: quarantine); by reason in the Secure OS section',
  },
  'attestation.refused': { type: 'counter', unit: 'events', formula: 'attestations refused (HTTP 403); by reason in the Secure OS section' },
  'attestation.failed': {
    type: 'counter',
    unit: 'events',
    formula: 'attestations without an answer (network error, timeout, HTTP 5xx; by code in errors); the device retries by its backoff',
  },
  'credentials.issued': { type: 'counter', unit: 'events', formula: 'credentials devices received from the attestation service, full and update-only' },
  'credentials.expired': {
    type: 'counter',
    unit: 'events',
    formula: 'credentials a device held past their expiry (it had to attest again before connecting)',
  },
  'ota.started': { type: 'counter', unit: 'events', formula: 'devices that began an update in a firmware-rollout phase (its wave came and it was online)' },
  'ota.downloaded': { type: 'counter', unit: 'events', formula: 'complete image downloads (a retried download counts again)' },
  'ota.verified': { type: 'counter', unit: 'events', formula: 'downloads secure boot accepted (signature, digest, anti-rollback); a corrupt one is counted in ota.failed by reason' },
  'ota.installed': { type: 'counter', unit: 'events', formula: 'images written to the inactive slot (not interrupted by a power loss)' },
  'ota.committed': { type: 'counter', unit: 'events', formula: 'updates committed: the trial boot attested and passed its health check' },
  'ota.rolled_back': { type: 'counter', unit: 'events', formula: 'updates rolled back: the new image failed its health check, the device booted the old slot again' },
  'ota.failed': {
    type: 'counter',
    unit: 'events',
    formula: 'update steps that failed (corrupt download, power loss, download error, …; by reason in the Secure OS section); the device retries unless it gave up',
  },
  'security.compromised_injected': { type: 'counter', unit: 'devices', formula: 'devices given a compromise (secureOs.compromise): tampered, debug, rollback, cloned' },
  'security.compromised_refused': { type: 'counter', unit: 'devices', formula: 'compromised devices whose first attestation was refused' },
  'security.compromised_quarantined': { type: 'counter', unit: 'devices', formula: 'compromised devices whose first attestation got only an update-only credential' },
  'security.compromised_admitted': {
    type: 'counter',
    unit: 'devices',
    formula: 'compromised devices that got a full credential at least once (should be 0: threshold "count == 0")',
  },
  'security.compromised_remediated': {
    type: 'counter',
    unit: 'devices',
    formula: 'compromised devices that got a full credential only after installing a genuine release (firmware-rollout quarantined: update)',
  },
  'security.false_refusals': { type: 'counter', unit: 'devices', formula: 'devices not compromised whose attestation was refused at least once (should be 0)' },
  'telemetry.sent': { type: 'counter', unit: 'messages', formula: 'publishes handed to the socket' },
  'telemetry.acked': { type: 'counter', unit: 'messages', formula: 'publishes acknowledged (PUBACK for QoS 1, written for QoS 0)' },
  'telemetry.failed': { type: 'counter', unit: 'messages', formula: 'publishes that errored before their ack (by code in errors)' },
  'telemetry.late': {
    type: 'counter',
    unit: 'messages',
    formula: 'sends whose actual time − intended time exceeded report.lateThreshold',
  },
  'telemetry.skipped': {
    type: 'counter',
    unit: 'messages',
    formula: 'intended sends that fell while the device was offline (not sent, not in sent)',
  },
  'telemetry.buffered': {
    type: 'counter',
    unit: 'messages',
    formula: 'readings stored while offline (telemetry.buffer > 0) instead of skipped',
  },
  'telemetry.flushed': {
    type: 'counter',
    unit: 'messages',
    formula: 'buffered readings sent once connected (also in sent; their latency counts from the flush, their wait is telemetry.buffer_age)',
  },
  'telemetry.dropped': {
    type: 'counter',
    unit: 'messages',
    formula: 'buffered readings evicted, oldest first, when the ring was full, or lost from RAM in a reboot (never sent)',
  },
  'delivery.received': { type: 'counter', unit: 'messages', formula: 'distinct (device, sequence) pairs the observer received' },
  'delivery.lost': {
    type: 'counter',
    unit: 'messages',
    formula: 'acked messages whose (device, sequence) the observer never received by the end of the run',
  },
  'delivery.duplicated': { type: 'counter', unit: 'messages', formula: 'observer receptions of a (device, sequence) already received' },
  'delivery.reordered': {
    type: 'counter',
    unit: 'messages',
    formula: 'observer receptions whose sequence is lower than the highest already received from that device',
  },
  'connect.success': { type: 'rate', unit: 'fraction', formula: 'connect.ok ÷ connect.attempts' },
  'telemetry.success': { type: 'rate', unit: 'fraction', formula: 'telemetry.acked ÷ (telemetry.acked + telemetry.failed)' },
  'delivery.success': { type: 'rate', unit: 'fraction', formula: '1 − delivery.lost ÷ telemetry.acked' },
  'devices.connected': { type: 'gauge', unit: 'devices', formula: 'devices with an open connection, summed over shards' },
  'telemetry.inflight': { type: 'gauge', unit: 'messages', formula: 'sent − acked − failed at that moment' },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;
export type TrendName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'trend' ? K : never }[MetricName];
export type CounterName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'counter' ? K : never }[MetricName];
export type GaugeName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'gauge' ? K : never }[MetricName];

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

/** Aggregations each metric type accepts in thresholds. */
export const AGGREGATIONS_BY_TYPE: Record<MetricType, readonly string[]> = {
  trend: ['p(N)', 'avg', 'min', 'max', 'med', 'count'],
  counter: ['count', 'rate'],
  rate: ['rate'],
  gauge: ['min', 'max', 'avg'],
};
