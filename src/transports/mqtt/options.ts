import { readFileSync } from 'node:fs';
import type { TransportPlan } from '../../scenario/plan.js';
import type { IClientOptions } from './lib.js';

/** TLS and credential options shared by device connections and the observer's subscription. */
export function securityOptions(plan: Pick<TransportPlan, 'tls' | 'username' | 'password'>): IClientOptions {
  const o: IClientOptions = {};
  if (plan.username !== undefined) o.username = plan.username;
  if (plan.password !== undefined) o.password = plan.password;
  const tls = plan.tls;
  if (tls === undefined) return o;
  o.rejectUnauthorized = tls.rejectUnauthorized;
  if (tls.caFile !== undefined) o.ca = readFileSync(tls.caFile);
  if (tls.certFile !== undefined) o.cert = readFileSync(tls.certFile);
  if (tls.keyFile !== undefined) o.key = readFileSync(tls.keyFile);
  if (tls.servername !== undefined) o.servername = tls.servername;
  return o;
}
