import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the embedded hub keeps what must survive a restart (its CA, its server certificate, the fleets' device
 * certificates): `--data-dir`, else FLEETSIM_DATA_DIR, else $XDG_DATA_HOME/fleetsim/hub, else
 * ~/.local/share/fleetsim/hub. The caller (cli/) passes the environment in.
 */
export function resolveDataDir(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, home = homedir()): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.FLEETSIM_DATA_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const xdg = env.XDG_DATA_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(home, '.local', 'share'), 'fleetsim', 'hub');
}
