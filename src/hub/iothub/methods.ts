import { IotHubError } from './errors.js';
import { notFound } from './registry.js';
import type { TimerHandle, Timers } from './timers.js';

/** Service-side options of one direct method call (seconds, as in the REST body). */
export interface MethodInvokeOptions {
  /** 5..300, default 30. */
  responseTimeoutS?: number;
  /** 0..300, default 0 (fail at once with 404103 if the device is offline). */
  connectTimeoutS?: number;
}

/** What the service gets back: the device's status and body. */
export interface MethodResult {
  status: number;
  payload: unknown;
}

export interface MethodCallsOptions {
  timers: Timers;
  /** Publish `$iothub/methods/POST/{name}/?$rid={rid}` to the device. Throwing counts as offline. */
  send: (deviceId: string, methodName: string, rid: string, payload: unknown) => void;
  /** Connected and subscribed to `$iothub/methods/POST/#`. */
  isOnline: (deviceId: string) => boolean;
  /** Registered devices only (404001 otherwise). Default: any id. */
  exists?: (deviceId: string) => boolean;
  /** Request and response payload limit in bytes of JSON (default 128 KB). */
  maxPayloadBytes?: number;
}

/** Counters for the run report. */
export interface MethodStats {
  invoked: number;
  succeeded: number;
  offline: number;
  timedOut: number;
  tooLarge: number;
  /** Responses with an unknown or already-settled rid, or from another device. */
  lateOrUnknownResponses: number;
}

export const METHOD_LIMITS = {
  defaultResponseTimeoutS: 30,
  minResponseTimeoutS: 5,
  maxResponseTimeoutS: 300,
  maxConnectTimeoutS: 300,
  maxPayloadBytes: 128 * 1024,
} as const;

interface Call {
  deviceId: string;
  methodName: string;
  rid: string;
  payload: unknown;
  responseTimeoutMs: number;
  timer: TimerHandle | undefined;
  sent: boolean;
  resolve: (r: MethodResult) => void;
  reject: (e: IotHubError) => void;
}

/** Byte length of a value as JSON (undefined counts as `null`). */
export function jsonByteLength(v: unknown): number {
  return Buffer.byteLength(JSON.stringify(v ?? null) ?? 'null', 'utf8');
}

/**
 * Direct method calls in flight: request ids (a hex counter), response and connect timeouts on injected timers,
 * 404103 when the device is offline, 504101 on timeout, 413001 for payloads over 128 KB either way.
 * The transport calls `deviceOnline` when a device subscribes to methods and `respond` on each method response.
 */
export class MethodCalls {
  private readonly o: MethodCallsOptions;
  private readonly maxPayloadBytes: number;
  private readonly calls = new Map<string, Call>();
  private ridSeq = 0;
  readonly stats: MethodStats = { invoked: 0, succeeded: 0, offline: 0, timedOut: 0, tooLarge: 0, lateOrUnknownResponses: 0 };

  constructor(options: MethodCallsOptions) {
    this.o = options;
    this.maxPayloadBytes = options.maxPayloadBytes ?? METHOD_LIMITS.maxPayloadBytes;
  }

  /**
   * Invoke a method. Rejects with IotHubError: 400004 bad name or timeouts, 404001 unknown device, 413001 payload
   * too large, 404103 offline (at once, or after connectTimeoutS), 504101 no response within responseTimeoutS
   * (counted from when the request is sent).
   */
  invoke(deviceId: string, methodName: string, payload: unknown, options: MethodInvokeOptions = {}): Promise<MethodResult> {
    return new Promise<MethodResult>((resolve, reject) => {
      const responseTimeoutS = options.responseTimeoutS ?? METHOD_LIMITS.defaultResponseTimeoutS;
      const connectTimeoutS = options.connectTimeoutS ?? 0;
      if (typeof methodName !== 'string' || methodName.length === 0 || methodName.includes('/')) {
        throw new IotHubError('ArgumentInvalid', `Invalid method name ${JSON.stringify(methodName)}`);
      }
      if (!(responseTimeoutS >= METHOD_LIMITS.minResponseTimeoutS && responseTimeoutS <= METHOD_LIMITS.maxResponseTimeoutS)) {
        throw new IotHubError('ArgumentInvalid', `responseTimeoutInSeconds must be between 5 and 300, got ${responseTimeoutS}`);
      }
      if (!(connectTimeoutS >= 0 && connectTimeoutS <= METHOD_LIMITS.maxConnectTimeoutS)) {
        throw new IotHubError('ArgumentInvalid', `connectTimeoutInSeconds must be between 0 and 300, got ${connectTimeoutS}`);
      }
      if (this.o.exists !== undefined && !this.o.exists(deviceId)) throw notFound(deviceId);
      const size = jsonByteLength(payload);
      if (size > this.maxPayloadBytes) {
        this.stats.tooLarge++;
        throw new IotHubError('MessageTooLarge', `Method payload is ${size} bytes, over the ${this.maxPayloadBytes}-byte limit`);
      }
      this.stats.invoked++;
      const call: Call = {
        deviceId,
        methodName,
        rid: (++this.ridSeq).toString(16),
        payload: payload ?? null,
        responseTimeoutMs: responseTimeoutS * 1000,
        timer: undefined,
        sent: false,
        resolve,
        reject,
      };
      if (this.o.isOnline(deviceId)) {
        this.calls.set(call.rid, call);
        this.send(call);
      } else if (connectTimeoutS === 0) {
        this.stats.offline++;
        throw offline(deviceId);
      } else {
        this.calls.set(call.rid, call);
        call.timer = this.o.timers.setTimeout(() => {
          this.stats.offline++;
          this.settle(call, offline(deviceId));
        }, connectTimeoutS * 1000);
      }
    });
  }

  /** The device came online (subscribed to methods): send its calls that were waiting for it to connect. */
  deviceOnline(deviceId: string): void {
    for (const call of [...this.calls.values()]) {
      if (call.deviceId === deviceId && !call.sent) {
        this.o.timers.clearTimeout(call.timer);
        this.send(call);
      }
    }
  }

  /**
   * A method response from `deviceId` (`$iothub/methods/res/{status}/?$rid={rid}`, body parsed, null if empty).
   * Settles the call and returns true; unknown, late or foreign rids are ignored, counted, and return false.
   * A body over 128 KB settles the call with 413001.
   */
  respond(deviceId: string, rid: string, status: number, body: unknown): boolean {
    const call = this.calls.get(rid);
    if (call === undefined || call.deviceId !== deviceId || !call.sent) {
      this.stats.lateOrUnknownResponses++;
      return false;
    }
    const size = jsonByteLength(body);
    if (size > this.maxPayloadBytes) {
      this.stats.tooLarge++;
      this.settle(call, new IotHubError('MessageTooLarge', `Method response is ${size} bytes, over the ${this.maxPayloadBytes}-byte limit`));
      return true;
    }
    this.stats.succeeded++;
    this.settle(call, { status, payload: body ?? null });
    return true;
  }

  /** Calls sent or waiting for their device. */
  get pending(): number {
    return this.calls.size;
  }

  private send(call: Call): void {
    call.sent = true;
    try {
      this.o.send(call.deviceId, call.methodName, call.rid, call.payload);
    } catch {
      this.stats.offline++;
      this.settle(call, offline(call.deviceId));
      return;
    }
    call.timer = this.o.timers.setTimeout(() => {
      this.stats.timedOut++;
      this.settle(call, new IotHubError('GatewayTimeout', `Timed out waiting for the response from device ${call.deviceId} (method ${call.methodName})`));
    }, call.responseTimeoutMs);
  }

  private settle(call: Call, outcome: MethodResult | IotHubError): void {
    if (!this.calls.delete(call.rid)) return;
    this.o.timers.clearTimeout(call.timer);
    if (outcome instanceof IotHubError) call.reject(outcome);
    else call.resolve(outcome);
  }
}

function offline(deviceId: string): IotHubError {
  return new IotHubError('DeviceNotOnline', `Device ${deviceId} is not online`);
}
