import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../core/errors.js';
import { reportFailure } from './fail.js';
import { resolveDataDir } from '../hub/data-dir.js';
import { EMBEDDED_HUB_HOST } from '../iothub/index.js';
import { attestationCommand } from './attestation-command.js';
import { hubCommand } from './hub-command.js';
import { modelsCommand } from './models-command.js';
import { previewCommand } from './preview-command.js';
import { reportCommand } from './report-command.js';
import { runCommand } from './run-command.js';
import { createTerminal } from './terminal.js';
import { validateCommand } from './validate-command.js';

const EXIT_CODES = `Exit codes:
  0    run finished and every threshold passed
  1    internal error, target unreachable, or no device could connect
  2    invalid usage or scenario (every problem is listed with file:line:col)
  99   one or more thresholds failed
  130  interrupted (Ctrl-C); the report is still printed (and written with --out)`;

/** The one import site of yargs; the only place that reads argv and sets the exit code. */
export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const colorWanted = !argv.includes('--no-color');
  const term = createTerminal({ color: colorWanted });
  let usageFailed = false;
  const guard = async (fn: () => number | Promise<number>): Promise<void> => {
    // yargs (exitProcess off) may still call the handler after reporting a usage error: run nothing then.
    if (usageFailed) return;
    try {
      exitCode = await fn();
    } catch (err) {
      exitCode = reportFailure(err, term);
    }
  };

  const cli = yargs(argv)
    .scriptName('fleetsim')
    .usage('$0 <command> [options]\n\nSimulate a fleet of IoT devices against an MQTT hub, measure it honestly, gate CI on it.')
    .option('color', { type: 'boolean', default: true, describe: 'colour output (--no-color or NO_COLOR turns it off)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress or banner on stderr' })
    .command(
      'run <scenario>',
      'run a scenario and print the report (the main job)',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
          .option('target', {
            type: 'string',
            describe:
              'broker URL: mqtt://host:port, mqtts://, ws://, wss://, or "embedded" (default: scenario target, else embedded); several URLs separated by commas spread the devices (device i → URL i mod count)',
          })
          .option('source-addresses', { type: 'string', describe: 'local addresses devices connect from, e.g. 127.0.0.1-127.0.0.16: past ~28k connections per broker port (device i → address floor(i / endpoints) mod count)' })
          .option('processes', { type: 'string', describe: 'OS processes for the devices (default auto: 1, more when one process would pass its open-file limit)' })
          .option('shard', { type: 'string', describe: 'run only part i of N of the fleet (1-based, e.g. 2/4) on this machine; merge the JSON results with fleetsim report' })
          .option('start-at', { type: 'string', describe: 'ISO time at which the timeline starts, so shards on several machines begin together' })
          .option('seed', { type: 'string', describe: 'seed for devices and telemetry (overrides the scenario)' })
          .option('workers', { type: 'number', describe: 'worker threads (default, at most 1 per core: live, 1 per 10,000 devices, 25,000 msg/s or 5,000 connects/s, leaving a core to a broker on this machine; virtual time, 1 per 2,500 devices)' })
          .option('duration', { type: 'string', describe: 'scale all phases so the run takes this long, e.g. 10s (smoke runs)' })
          .option('out', { type: 'string', describe: 'folder for the JSON result, live or virtual (default: scenario report.out, else none)' })
          .option('clock', { choices: ['live', 'virtual'] as const, describe: 'live sockets, or virtual time with no sockets (default: the scenario clock)' })
          .option('sink', { type: 'string', describe: 'virtual time: NDJSON file for the telemetry, or stdout (default: count only)' })
          .option('tls', { type: 'boolean', default: false, describe: 'embedded hub: every fleet connects over MQTT/TLS (default: X.509 fleets only; the others plain MQTT)' })
          .option('observer', { type: 'boolean', default: true, describe: 'subscribe to the telemetry and measure delivery and e2e latency; --no-observer measures the devices alone (no delivery figures, less CPU)' })
          .option('hub-service', { type: 'string', describe: 'with --target a fleetsim hub: its service connection string (it prints one), so delivery and e2e latency of IoT Hub devices are measured' })
          .option('data-dir', { type: 'string', describe: "embedded hub's CA and X.509 fleets' certificates (default: FLEETSIM_DATA_DIR, else $XDG_DATA_HOME/fleetsim/hub)" })
          .example('$0 run scenarios/quickstart.yaml', '1,000 devices against the embedded hub')
          .example('$0 run scenarios/quickstart.yaml --target mqtt://127.0.0.1:1883', 'the same against Mosquitto')
          .example('$0 run scenarios/quickstart.yaml --duration 10s --out results', 'a 10-second smoke run, JSON in results/')
          .example('$0 run scenarios/quickstart.yaml --clock virtual --sink t.ndjson', 'the same devices in virtual time, telemetry to a file')
          .example('$0 run scenarios/quickstart.yaml --clock virtual --sink stdout | head', 'telemetry on stdout, report on stderr')
          .example('$0 run big.yaml --target mqtt://127.0.0.1:1884,mqtt://127.0.0.1:1885 --source-addresses 127.0.0.1-127.0.0.8', 'fan out over two brokers and 8 source addresses')
          .example('$0 run big.yaml --target mqtt://broker:1883 --shard 1/2 --start-at 2026-03-01T12:00:00Z --out r', 'half the fleet on this machine (2/2 on another)')
          .epilog(EXIT_CODES),
      (a) =>
        guard(() =>
          runCommand(
            {
              scenario: a.scenario,
              target: a.target,
              seed: a.seed,
              workers: a.workers,
              duration: a.duration,
              out: a.out,
              quiet: a.quiet,
              clock: a.clock,
              sink: a.sink,
              tls: a.tls,
              hubService: a['hub-service'],
              observer: a.observer,
              shard: a.shard,
              processes: a.processes,
              startAt: a['start-at'],
              sourceAddresses: a['source-addresses'],
              dataDir: resolveDataDir(a['data-dir'], process.env),
            },
            term,
          ),
        ),
    )
    .command(
      'validate <scenario>',
      'check a scenario without running it; lists every problem with file:line:col',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
          .example('$0 validate scenarios/quickstart.yaml', 'exit 0 when valid, 2 with every problem listed otherwise')
          .example('$0 validate scenarios/models/greenhouse.model.yaml', 'a model file (or a .ts/.js model module) on its own'),
      (a) => guard(() => validateCommand({ scenario: a.scenario, quiet: a.quiet }, term)),
    )
    .command(
      'report <files..>',
      're-render a JSON result, or merge results of shards run separately',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, demandOption: true, describe: 'result JSON files' })
          .option('json', { type: 'boolean', default: false, describe: 'print the (merged) result as JSON' })
          .example('$0 report results/quickstart-20261123T101500Z.json', 'print the report again')
          .example('$0 report a.json b.json --json > merged.json', 'merge two shards'),
      (a) => guard(() => reportCommand({ files: a.files, json: a.json }, term)),
    )
    .command(
      'models [name]',
      'list the built-in device models, their parameters (units, defaults, ranges) and channels',
      (y) =>
        y
          .positional('name', { type: 'string', describe: 'show one model only: a built-in name, or the path of a .model.yaml file or a .ts/.js module' })
          .option('json', { type: 'boolean', default: false, describe: 'as JSON' })
          .option('blocks', { type: 'boolean', default: false, describe: 'list the blocks composed models are built from (name: one block kind)' })
          .example('$0 models', 'every model')
          .example('$0 models thermostat', 'one model')
          .example('$0 models scenarios/models/greenhouse.model.yaml', 'a model composed in YAML')
          .example('$0 models --blocks', 'the blocks to compose models from, their params and outputs'),
      (a) => guard(() => modelsCommand({ name: a.name, json: a.json, blocks: a.blocks }, term)),
    )
    .command(
      'preview <subject>',
      'run a few devices of a model or scenario in virtual time; write their telemetry and chart it',
      (y) =>
        y
          .positional('subject', { type: 'string', demandOption: true, describe: 'a model name, a .model.yaml file, a .ts/.js model module, or a scenario .yaml' })
          .option('devices', { type: 'number', default: 3, describe: 'devices per fleet' })
          .option('duration', { type: 'string', describe: 'model time to simulate (default: 24h for a model, the scenario for a scenario)' })
          .option('every', { type: 'string', default: '1m', describe: 'telemetry interval (model preview)' })
          .option('set', { type: 'string', array: true, default: [] as string[], describe: 'model parameter name=value (repeatable)' })
          .option('seed', { type: 'string', describe: 'seed (default: 1, or the scenario seed)' })
          .option('format', { choices: ['ndjson', 'csv'] as const, describe: 'output format (default: csv for a .csv --out, else ndjson)' })
          .option('out', { type: 'string', describe: 'telemetry file (default: stdout)' })
          .option('plot', { type: 'string', describe: 'write an SVG chart of every channel to this file' })
          .example('$0 preview thermostat --devices 3 --duration 24h --plot thermostat.svg --out t.ndjson', 'a day of three thermostats')
          .example('$0 preview thermostat --set setpoint=19 --format csv', 'CSV on stdout')
          .example('$0 preview scenarios/quickstart.yaml --devices 2 --plot q.svg > q.ndjson', "a scenario's first devices")
          .example('$0 preview scenarios/models/greenhouse.model.yaml --set air.setpointC=18 --duration 3d', 'a composed model; dotted --set for block params'),
      (a) =>
        guard(() =>
          previewCommand(
            {
              subject: a.subject,
              devices: a.devices,
              duration: a.duration,
              every: a.every,
              seed: a.seed,
              set: a.set,
              format: a.format,
              out: a.out,
              plot: a.plot,
              quiet: a.quiet,
            },
            term,
          ),
        ),
    )
    .command(
      'hub',
      'run the embedded hub on its own: IoT Hub + DPS over MQTT/TLS (8883) and secure WebSockets, plain MQTT with --plain',
      (y) =>
        y
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
          .option('mqtts-port', { type: 'number', default: 8883, describe: 'MQTT over TLS (IoT Hub: 8883); 0: any free port; -1: off' })
          .option('wss-port', { type: 'number', default: 8443, describe: 'MQTT over secure WebSockets (IoT Hub: 443); 0: any free port; -1: off' })
          .option('http-port', { type: 'number', default: 8444, describe: 'IoT Hub service REST API and device HTTPS endpoints on 127.0.0.1 (IoT Hub: 443), HTTPS with TLS, plain HTTP for a --plain-only hub; 0: any free port' })
          .option('plain', { type: 'boolean', default: false, describe: 'also serve plain MQTT (no TLS) on --port, for local use' })
          .option('port', { type: 'number', default: 1883, describe: 'plain MQTT port with --plain (0: any free port)' })
          .option('ws-port', { type: 'number', describe: 'with --plain: also serve MQTT over plain WebSockets on this port' })
          .option('data-dir', { type: 'string', describe: 'where the hub keeps its CA and server certificate (default: FLEETSIM_DATA_DIR, else $XDG_DATA_HOME/fleetsim/hub)' })
          .option('tls-key', { type: 'string', describe: 'your own PEM private key instead of the data directory CA-issued one' })
          .option('tls-cert', { type: 'string', describe: 'your own PEM certificate (with --tls-key)' })
          .option('blob-dir', { type: 'string', describe: 'directory IoT Hub file uploads are written to (default: a new temporary directory)' })
          .option('tier', { type: 'string', choices: ['F1', 'S1', 'S2', 'S3'], describe: 'apply this IoT Hub tier\'s throttles and daily quota (default: none)' })
          .option('units', { type: 'number', default: 1, describe: 'units of --tier (F1: 1; S1, S2: up to 200; S3: up to 10)' })
          .option('shaping-queue', { type: 'string', default: '60s', describe: 'longest shaping delay before the hub throttles (with --tier)' })
          .option('stream', { type: 'string', describe: 'write every accepted D2C message as NDJSON to this file (- for stdout)' })
          .option('webhook', { type: 'string', describe: 'POST accepted D2C messages in JSON batches to this http(s) URL' })
          .example('$0 hub', 'TLS on 8883 and 8443, HTTPS on 8444; prints the CA file to trust')
          .example('$0 hub --plain --port 1884', 'and plain MQTT: fleetsim run scenario.yaml --target mqtt://127.0.0.1:1884')
          .example('$0 hub --data-dir ./hub-data', 'keep the CA next to your project')
          .example('$0 hub --tier S1 --units 2 --stream -', 'S1 throttling, telemetry as NDJSON on stdout'),
      (a) =>
        guard(() =>
          hubCommand(
            {
              host: a.host,
              port: a.port,
              plain: a.plain,
              wsPort: a['ws-port'],
              mqttsPort: a['mqtts-port'],
              wssPort: a['wss-port'],
              httpPort: a['http-port'],
              tlsKey: a['tls-key'],
              tlsCert: a['tls-cert'],
              dataDir: resolveDataDir(a['data-dir'], process.env),
              blobDir: a['blob-dir'],
              tier: a.tier,
              units: a.units,
              shapingQueue: a['shaping-queue'],
              stream: a.stream,
              webhook: a.webhook,
            },
            term,
          ),
        ),
    )
    .command(
      'attestation',
      'run the attestation service alone (secure-OS devices: challenge, evidence, credential) for a seed and firmware list',
      (y) =>
        y
          .option('seed', { type: 'string', demandOption: true, describe: "the scenario's seed: the factory CA and the firmware images come from it" })
          .option('firmware', { type: 'string', array: true, default: [] as string[], describe: 'a release devices may run: name@version:svn=N[:size=BYTES][:revoked] (repeatable; size default 262144)' })
          .option('enroll', { type: 'string', array: true, default: [] as string[], describe: 'enrolled device ids: pattern:count, e.g. sensor-{index:04}:1000 (repeatable; default: any device of the seed\'s factory)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
          .option('port', { type: 'number', default: 8450, describe: 'HTTP port (0: any free port)' })
          .option('start-time', { type: 'string', describe: "the scenario's start time (ISO 8601): the attestation CA's validity starts a day before (default: now)" })
          .option('min-svn', { type: 'number', default: 0, describe: 'lowest application security version admitted' })
          .option('allow-debug', { type: 'boolean', default: false, describe: 'admit devices booted in debug mode' })
          .option('credential', { choices: ['sas', 'x509'] as const, default: 'sas' as const, describe: 'what an attested device gets: a SAS token or a client certificate' })
          .option('credential-ttl', { type: 'string', default: '24h', describe: 'credential lifetime' })
          .option('nonce-ttl', { type: 'string', default: '60s', describe: 'nonce lifetime' })
          .option('quarantine', { type: 'boolean', default: false, describe: 'give refused devices an update-only token (quarantine key) instead of nothing' })
          .option('hub-host', { type: 'string', default: EMBEDDED_HUB_HOST, describe: 'IoT Hub host name the SAS tokens are for' })
          .option('service-key', { type: 'string', describe: 'base64 secret device keys are derived from (default: random, printed)' })
          .option('tls-key', { type: 'string', describe: 'serve HTTPS with this PEM key (with --tls-cert)' })
          .option('tls-cert', { type: 'string', describe: 'serve HTTPS with this PEM certificate' })
          .example('$0 attestation --seed 42 --firmware thermostat-app@2.3.0:svn=3', 'devices of a seed-42 scenario running 2.3.0 attest on http://127.0.0.1:8450')
          .example('$0 attestation --seed 42 --firmware app@2.3.0:svn=3 --firmware app@2.2.0:svn=2:revoked --min-svn 3', 'refuse the old release (SVN_REVOKED)')
          .example('$0 attestation --seed 42 --firmware app@2.3.0:svn=3 --enroll sensor-{index}:1000 --credential x509', 'only 1,000 enrolled ids; 24 h client certificates'),
      (a) =>
        guard(() =>
          attestationCommand(
            {
              host: a.host,
              port: a.port,
              seed: a.seed,
              firmware: a.firmware,
              enroll: a.enroll,
              startTime: a['start-time'],
              minSvn: a['min-svn'],
              allowDebug: a['allow-debug'],
              credential: a.credential,
              credentialTtl: a['credential-ttl'],
              nonceTtl: a['nonce-ttl'],
              quarantine: a.quarantine,
              hubHost: a['hub-host'],
              serviceKey: a['service-key'],
              tlsKey: a['tls-key'],
              tlsCert: a['tls-cert'],
            },
            term,
          ),
        ),
    )
    .demandCommand(1, 'name a command: run, validate, models, preview, report, hub or attestation (see --help)')
    .strict()
    .recommendCommands()
    .epilog(`${EXIT_CODES}\n\nScenario reference, metrics glossary: see README.md`)
    .wrap(Math.min(120, process.stdout.columns ?? 120))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err !== undefined && err !== null) throw err;
      term.err(`${term.errStyle.red(term.errStyle.bold('error:'))} ${msg}`);
      term.err(term.errStyle.dim('run fleetsim --help for usage'));
      usageFailed = true;
      exitCode = ExitCode.usage;
    })
    .help()
    .version();

  await cli.parseAsync();
  return exitCode;
}
