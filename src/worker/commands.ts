import { parseDuration } from '../core/duration.js';
import type { CommandResult, DeviceCommand } from '../devices/model.js';
import type { DeviceRuntime } from './device.js';

/**
 * Commands a device understands, whatever carried them (direct method, C2D message, desired twin property: issue 4
 * wires those here). The runtime answers what concerns any device; everything else goes to the model's onCommand.
 *
 * - setTelemetryInterval { interval: "30s" } or { seconds: 30 }: every reading from the next one on uses it.
 * - reboot: the device reboots now (connection cut, RAM lost, boot time, reconnect); answered before it goes down.
 * - getDiagnostics: the runtime's view (status, sequence, buffer, clock, sensor faults) merged with the model's own.
 */
export function handleCommand(d: DeviceRuntime, command: DeviceCommand, host: CommandHost = NOT_RUNNING): CommandResult {
  switch (command.name) {
    case 'setTelemetryInterval':
      return setTelemetryInterval(d, command.payload);
    case 'reboot':
      if (d.status === 'dead') return { status: 409, payload: { error: 'the device is dead (battery exhausted)' } };
      if (!host.reboot(d)) return { status: 503, payload: { error: 'the device is not running, so it cannot reboot' } };
      return { status: 200, payload: { rebooting: true, bootTimeMs: d.fleet.plan.mcu.bootMs } };
    case 'getDiagnostics': {
      const own = {
        deviceId: d.deviceId,
        model: d.fleet.model.name,
        status: d.status,
        seq: d.seq,
        telemetryIntervalMs: d.everyMs,
        buffered: d.buffer?.size ?? 0,
        reconnectAttempt: d.attempt,
        ...(d.mcu?.hasClock === true ? { clockDriftPpm: Math.round(d.mcu.driftPpm * 100) / 100 } : {}),
        ...(d.sensors === undefined ? {} : { sensorFaults: d.sensors.diagnostics() }),
      };
      const fromModel = d.fleet.model.onCommand?.(d.modelState, command);
      const extra = fromModel?.status === 200 && isObject(fromModel.payload) ? fromModel.payload : {};
      return { status: 200, payload: { ...own, ...extra } };
    }
    default:
      return d.fleet.model.onCommand?.(d.modelState, command) ?? { status: 404, payload: { error: `unknown command "${command.name}"` } };
  }
}

/** What the runtime running the device does for a command; reboot returns false when nothing runs the device. */
export interface CommandHost {
  reboot(d: DeviceRuntime): boolean;
}

const NOT_RUNNING: CommandHost = { reboot: () => false };

function setTelemetryInterval(d: DeviceRuntime, payload: unknown): CommandResult {
  const p = isObject(payload) ? payload : {};
  const ms =
    typeof p.seconds === 'number' ? p.seconds * 1000 : typeof p.interval === 'string' ? parseDuration(p.interval) : undefined;
  if (ms === undefined || !Number.isFinite(ms) || ms < 1 || ms > 86_400_000) {
    return { status: 400, payload: { error: 'expected { interval: "30s" } or { seconds: 30 }, between 1ms and 24h' } };
  }
  d.everyMs = ms;
  return { status: 200, payload: { telemetryIntervalMs: ms } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
