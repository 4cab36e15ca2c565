/**
 * The scenario schema's transport section (a fleet's `transport:`): MQTT options, TLS files, and the Azure IoT Hub
 * device identity (SAS, X.509, connection strings, DPS, HTTPS). Part of schema.ts, split by concern.
 */
import { z } from '../core/zod.js';
import { duration, mqttVersion, qos } from './fields.js';

export const DEFAULT_TOPIC = 'fleetsim/{fleet}/{deviceId}/telemetry';

const path = (what: string) => z.string().min(1).describe(`${what}; a file path relative to this scenario file`);

const TlsSchema = z
  .strictObject({
    ca: path('CA certificate (PEM) the broker certificate must chain to').optional(),
    cert: path('client certificate (PEM) for mutual TLS; needs key').optional(),
    key: path('client private key (PEM) for mutual TLS; needs cert').optional(),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .describe('refuse a broker certificate that does not verify; turn off only against a test broker'),
    servername: z.string().min(1).optional().describe('TLS server name (SNI) when it differs from the target host'),
  })
  .describe('TLS settings for mqtts:// and wss:// targets');

const IotHubSchema = z
  .strictObject({
    hostName: z
      .string()
      .min(1)
      .optional()
      .describe("the hub's host name devices sign their SAS tokens for (default: the embedded hub's, or the target's host)"),
    groupKey: z
      .string()
      .regex(/^[A-Za-z0-9+/]{22,86}={0,2}$/, { error: 'expected a base64 key of 16 to 64 bytes' })
      .optional()
      .describe(
        'base64 group key: each device key is HMAC-SHA256(groupKey, deviceId), as a DPS group enrollment derives it (default: derived from the seed; the embedded hub registers the devices with it)',
      ),
    modelId: z.string().min(1).optional().describe('Plug and Play model id sent in the CONNECT username, e.g. dtmi:com:example:Thermostat;1'),
    sasTtl: duration({ positive: true }).default('1h').describe('lifetime of each SAS token; devices reconnect with a new one before it expires'),
    provisioning: z
      .enum(['none', 'dps'])
      .default('none')
      .describe(
        'dps: each device first registers with the Device Provisioning Service (a group enrollment with groupKey) and connects to the hub it is assigned; the embedded hub serves DPS on the same listener',
      ),
    idScope: z
      .string()
      .regex(/^0ne[0-9A-F]{8}$/, { error: 'expected a DPS ID scope such as 0ne0F1EE700' })
      .optional()
      .describe("DPS ID scope (default: the embedded hub's)"),
    auth: z
      .enum(['sas', 'x509-self-signed', 'x509-ca'])
      .optional()
      .describe(
        'sas: SAS tokens from each device key (default); x509-self-signed: a self-signed certificate per device, registered by thumbprint; x509-ca: a certificate per device (CN = device id) issued by the fleet CA, which the hub trusts. fleetsim makes the certificates in its data directory (fleets/<fleet>/) and the embedded hub registers them; X.509 devices connect over TLS',
      ),
    connectionString: z
      .string()
      .min(1)
      .optional()
      .describe(
        'one device as the Azure portal gives it: HostName=…;DeviceId=…;SharedAccessKey=… or HostName=…;DeviceId=…;x509=true (certificate from transport.tls cert/key, else made by fleetsim); the fleet then has count 1 and connects to mqtts://<GatewayHostName or HostName>:8883',
      ),
    protocol: z
      .enum(['mqtt', 'https'])
      .default('mqtt')
      .describe(
        'mqtt: telemetry, C2D, methods and twins over MQTT; https: telemetry as one HTTPS POST per reading (properties as iothub-* headers) and C2D by polling (no methods or twins over HTTPS, as in IoT Hub)',
      ),
    c2dPollInterval: duration({ positive: true })
      .default('25m')
      .describe('protocol https: how often each device polls for cloud-to-device messages (the Azure SDK polls every 25 minutes)'),
    httpsUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("base URL of the hub's HTTPS device endpoints, for telemetry over https and file uploads (default: the embedded hub's, or https://<hostName>)"),
  })
  .describe('IoT Hub device identity (dialect: iothub)');

export const TransportSchema = z
  .strictObject({
    dialect: z
      .enum(['mqtt', 'iothub'])
      .default('mqtt')
      .describe('mqtt: plain topics (topic); iothub: the Azure IoT Hub device protocol (SAS tokens, IoT Hub topics, twins, methods, C2D)'),
    iothub: IotHubSchema.optional(),
    client: z
      .enum(['lean', 'mqttjs'])
      .default('lean')
      .describe(
        "MQTT client under the devices: lean (fleetsim's own, on mqtt-packet: a few KiB per connection, batched writes, one keepalive timer per shard) or mqttjs (the mqtt.js client, for comparison or as a fallback)",
      ),
    mqttVersion: mqttVersion().default('3.1.1').describe('MQTT protocol version: "3.1.1" or 5'),
    qos: qos()
      .default(1)
      .describe('QoS of telemetry publishes: 0 (at most once) or 1 (at least once, acknowledged); QoS 2 is not supported'),
    keepalive: duration().default('60s').describe('MQTT keepalive, a whole number of seconds such as 60s; 0s turns it off'),
    cleanSession: z.boolean().default(true).describe('start every connection with a clean session (clean start in MQTT 5)'),
    topic: z
      .string()
      .min(1)
      .default(DEFAULT_TOPIC)
      .describe('telemetry topic; placeholders {deviceId}, {fleet}, {index}; no wildcards (+, #) and no leading $'),
    connectTimeout: duration({ positive: true })
      .default('10s')
      .describe('a connection attempt without CONNACK after this long fails as CONNECT_TIMEOUT'),
    username: z.string().optional().describe('MQTT username sent by every device of the fleet'),
    password: z.string().optional().describe('MQTT password sent by every device of the fleet'),
    tls: TlsSchema.optional(),
  })
  .prefault({})
  .describe('how devices connect and publish; every key is optional');
