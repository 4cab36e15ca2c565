/**
 * Tsung 1.7 (Debian's package) driven by a generated tsung.xml with its MQTT plugin (ts_mqtt): each user connects,
 * then idles (one thinktime) or publishes in a loop (publish, thinktime every), on its own topic.
 *
 * One Erlang VM (the controller's, `use_controller_vm`) up to PER_VM users: the open-file limit is per process. Above
 * that the client gets `maxusers` and `cpu` (VMs), and Tsung starts further VMs on this host through `-r` (a remote
 * shell that runs them here, not ssh); they are started detached, and measured through the bench's environment marker
 * (proc.ts).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEEPALIVE_S, PAYLOAD_BYTES, type Tool, type ToolRun, type Workload, spawnTool } from './tool.js';

const PER_VM = 19_000;

export const NOT_INSTALLED = 'tsung not installed: apt-get install tsung';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** The generated configuration (exported for the footnotes and for reading). */
export function tsungXml(w: Workload): string {
  const n = w.connections;
  const oneVm = n <= PER_VM;
  const ips = w.sourceAddresses.map((a) => `<ip value="${esc(a)}"/>`).join('');
  const client = oneVm
    ? `<client host="localhost" use_controller_vm="true" maxusers="${PER_VM}">${ips}</client>`
    : `<client host="localhost" maxusers="${PER_VM}" cpu="${Math.ceil(n / PER_VM)}">${ips}</client>`;
  const servers = w.brokers.flatMap((b) => b.ports.map((port) => `<server host="127.0.0.1" port="${port}" type="tcp"/>`)).join('\n    ');
  // Tsung launches users only during the phase, at arrivalrate up to maxnumber, and falls far behind the rate when it
  // is busy (users not launched in time are dropped): the phase lasts as long as the bench waits for connections.
  const phaseS = w.rampLimitS ?? Math.ceil((n / w.connectRate) * 4) + 5;
  const payload = 'x'.repeat(PAYLOAD_BYTES);
  const p = w.publish;
  const body =
    p === undefined
      ? `<thinktime value="${w.holdS}" random="false"/>`
      : `<for from="1" to="${Math.ceil((w.holdS * 1000) / p.everyMs) + 1}" incr="1" var="i">
        <request subst="true"><mqtt type="publish" topic="fleetsim/d/%%_tsung_userid%%/telemetry" qos="${p.qos}">${payload}</mqtt></request>
        <thinktime value="${p.everyMs / 1000}" random="false"/>
      </for>`;
  return `<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="warning" version="1.0">
  <clients>${client}</clients>
  <servers>
    ${servers}
  </servers>
  <load>
    <arrivalphase phase="1" duration="${phaseS}" unit="second">
      <users maxnumber="${n}" arrivalrate="${w.connectRate}" unit="second"/>
    </arrivalphase>
  </load>
  <sessions>
    <session name="${esc(w.name)}" probability="100" type="ts_mqtt">
      <request><mqtt type="connect" clean_start="true" keepalive="${KEEPALIVE_S}"></mqtt></request>
      ${body}
      <request><mqtt type="disconnect"></mqtt></request>
    </session>
  </sessions>
</tsung>
`;
}

export const tsung: Tool = {
  name: 'tsung',
  unavailable: () =>
    new Promise((resolve) => execFile('tsung', ['-v'], (err) => resolve(err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT' ? NOT_INSTALLED : undefined))),
  maxConnections: () => Infinity,
  async start(w: Workload, dir: string): Promise<ToolRun> {
    const file = join(dir, `tsung-${w.name}.xml`);
    writeFileSync(file, tsungXml(w));
    // Tsung starts its extra VMs through a remote shell (ssh by default), even on this host: start them directly.
    const rsh = join(dir, 'tsung-rsh-local');
    writeFileSync(rsh, '#!/bin/sh\n# tsung -r: the first argument is the host (this one); run the rest here\nshift\nexec /bin/sh -c "$*"\n', { mode: 0o755 });
    return spawnTool('tsung', ['-r', rsh, '-f', file, '-l', join(dir, 'tsung-log'), 'start'], { cwd: dir });
  },
  describe: () =>
    `tsung -f tsung.xml start (ts_mqtt: connect, then thinktime or a publish loop with a fixed thinktime; ${PAYLOAD_BYTES}-byte payload, topic per user); one Erlang VM up to ${PER_VM} users`,
};
