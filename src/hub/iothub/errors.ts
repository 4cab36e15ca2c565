/**
 * IoT Hub error codes (6 digits; the first three are the HTTP status) and the typed error every state-layer
 * operation throws. The wire body is `{ errorCode, message }` (reference §0.2: the Node SDK only treats a twin
 * response as an error when its body has `errorCode`).
 */
export const IotHubErrorCode = {
  ArgumentInvalid: 400004,
  DeviceDefinedMultipleTimes: 400011,
  ConnectionForcefullyClosedOnNewConnection: 400027,
  IotHubUnauthorizedAccess: 401002,
  IotHubQuotaExceeded: 403002,
  DeviceMaximumQueueDepthExceeded: 403004,
  DeviceNotFound: 404001,
  DeviceNotOnline: 404103,
  DeviceConnectionClosedRemotely: 404104,
  DeviceAlreadyExists: 409001,
  PreconditionFailed: 412001,
  DeviceMessageLockLost: 412002,
  MessageTooLarge: 413001,
  ThrottlingException: 429001,
  ThrottleBacklogLimitExceeded: 429002,
  GatewayTimeout: 504101,
} as const;

export type IotHubErrorName = keyof typeof IotHubErrorCode;

/** The JSON body IoT Hub-compatible responses carry on failure. */
export interface IotHubErrorBody {
  errorCode: number;
  message: string;
}

/** An IoT Hub failure with its 6-digit code; `status` is the HTTP status (code / 1000). */
export class IotHubError extends Error {
  readonly errorCode: number;
  readonly errorName: IotHubErrorName;

  constructor(name: IotHubErrorName, message: string) {
    super(message);
    this.name = 'IotHubError';
    this.errorName = name;
    this.errorCode = IotHubErrorCode[name];
  }

  /** HTTP status: the first three digits of the code. */
  get status(): number {
    return Math.floor(this.errorCode / 1000);
  }

  /** The `{ errorCode, message }` body to put on the wire. */
  errorBody(): IotHubErrorBody {
    return { errorCode: this.errorCode, message: this.message };
  }
}

/** True when `err` is an IotHubError (optionally with the given name). */
export function isIotHubError(err: unknown, name?: IotHubErrorName): err is IotHubError {
  return err instanceof IotHubError && (name === undefined || err.errorName === name);
}
