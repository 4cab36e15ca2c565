/**
 * IoT Hub 6-digit error codes (§1.7; names as in the C# SDK's `ErrorCode` enum) and the JSON error
 * body the Node SDK needs to see a failure at all (trap §0.2).
 */

export interface IotHubErrorInfo {
  readonly name: string;
  /** HTTP status: the first three digits of the code. */
  readonly status: number;
  readonly description: string;
}

/** The error codes of §1.7, keyed by code. */
export const IOTHUB_ERRORS = {
  400004: { name: 'ArgumentInvalid', status: 400, description: 'malformed request or body' },
  400027: { name: 'ConnectionForcefullyClosedOnNewConnection', status: 400, description: 'a new connection for the same identity replaced this one' },
  401002: { name: 'IotHubUnauthorizedAccess', status: 401, description: 'bad or expired SAS, rule or key' },
  401003: { name: 'IotHubUnauthorized', status: 401, description: 'unauthorized (older code; the service now uses 401002)' },
  403002: { name: 'IotHubQuotaExceeded', status: 403, description: 'daily message quota exhausted' },
  403004: { name: 'DeviceMaximumQueueDepthExceeded', status: 403, description: 'more than 50 C2D messages queued for the device' },
  403006: { name: 'DeviceMaximumActiveFileUploadLimitExceeded', status: 403, description: 'more than 10 concurrent file uploads' },
  404001: { name: 'DeviceNotFound', status: 404, description: 'device not registered or disabled' },
  404103: { name: 'DeviceNotOnline', status: 404, description: 'device not connected (direct method)' },
  404104: { name: 'DeviceConnectionClosedRemotely', status: 404, description: 'connection closed by the device side (e.g. missed keep-alive)' },
  409001: { name: 'DeviceAlreadyExists', status: 409, description: 'a device with this id already exists' },
  412002: { name: 'DeviceMessageLockLost', status: 412, description: 'C2D message lock expired before completion' },
  413001: { name: 'MessageTooLarge', status: 413, description: 'message exceeds the size limit' },
  429001: { name: 'ThrottlingException', status: 429, description: 'operation throttled' },
  429002: { name: 'ThrottleBacklogLimitExceeded', status: 429, description: 'throttling backlog limit exceeded' },
  500001: { name: 'ServerError', status: 500, description: 'internal server error (transient)' },
  503003: { name: 'PartitionNotFound', status: 503, description: 'internal partition error (transient)' },
  504101: { name: 'GatewayTimeout', status: 504, description: 'device did not answer a direct method in time' },
} as const satisfies Readonly<Record<number, IotHubErrorInfo>>;

export type IotHubErrorCode = keyof typeof IOTHUB_ERRORS;

/** HTTP status of a 6-digit IoT Hub error code (`Math.floor(code / 1000)`, §1.7). */
export function errorStatus(code: number): number {
  return Math.floor(code / 1000);
}

/**
 * JSON error body `{"errorCode":…,"message":…}` for twin/method/DPS error responses: the Node SDK
 * only reports an error when the body has `errorCode` (trap §0.2). `extra` fields (e.g. DPS
 * `trackingId`, `timestampUtc`, §3) are appended after these two.
 */
export function errorBody(code: number, message: string, extra?: Readonly<Record<string, string>>): string {
  // errorCode and message come first and cannot be overridden by `extra`.
  const body: Record<string, unknown> = { errorCode: code, message };
  for (const [k, v] of Object.entries(extra ?? {})) if (!(k in body)) body[k] = v;
  return JSON.stringify(body);
}
