/**
 * Twin query (IoT Hub service API "Query - Get Twins"): `POST /devices/query` with `{ "query": "SELECT … FROM
 * devices …" }` → 200 with the array of results (full twins for `SELECT *`). `x-ms-max-item-count` caps the page;
 * there is no continuation (no `x-ms-continuation` header is ever sent). `x-ms-item-type` is `twin` for `SELECT *`,
 * `raw` for projections and COUNT (the values of the SDKs' QueryResultType). A syntax error is 400004 with the 1-based
 * position in the message ("Syntax error at position N: …").
 */
import type { IotHubGateway } from '../iothub-gateway.js';
import { isJsonObject } from '../iothub/json.js';
import { parseQuery, runQuery } from '../iothub/query.js';
import { badRequest, header, readJson, sendJson } from './http.js';
import type { Router } from './router.js';

export function queryRoutes(router: Router, gateway: IotHubGateway): void {
  router.add('POST', '/devices/query', async ({ req, res }) => {
    const body = await readJson(req);
    if (!isJsonObject(body) || typeof body.query !== 'string') throw badRequest('Query body must be { "query": "SELECT … FROM devices …" }');
    const maxRaw = header(req, 'x-ms-max-item-count');
    let max: number | undefined;
    if (maxRaw !== undefined) {
      max = Number(maxRaw);
      if (!/^\d+$/.test(maxRaw.trim()) || max < 1) throw badRequest(`x-ms-max-item-count must be a positive integer, got ${JSON.stringify(maxRaw)}`);
    }
    const parsed = parseQuery(body.query);
    const rows = runQuery(parsed, gateway.twins.allTwins());
    const page = max === undefined ? rows : rows.slice(0, max);
    sendJson(res, 200, page, { 'x-ms-item-type': parsed.select.kind === 'star' ? 'twin' : 'raw' });
  });
}
