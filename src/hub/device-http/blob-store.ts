/**
 * The embedded hub's local blob store: the upload target of IoT Hub file upload (reference §2.7 step 2), a directory
 * `<root>/<container>/<deviceId>/<name>`. It serves the Azure Storage Blob operations the device SDKs use, under the
 * container path, authorised by the blob SAS the hub issued (blob-sas.ts):
 *   PUT  /{container}/{blob}                          x-ms-blob-type: BlockBlob → 201 (Put Blob)
 *   PUT  /{container}/{blob}?comp=block&blockid=…     → 201 (Put Block; kept in memory until committed)
 *   PUT  /{container}/{blob}?comp=blocklist           <BlockList><Latest>id</Latest>…</BlockList> → 201 (Put Block List)
 *   GET  /{container}/{blob}                          → 200 with the blob (sp must include r)
 * Errors are Storage's: XML `<Error><Code>…</Code><Message>…</Message></Error>` and `x-ms-error-code`
 * (403 AuthenticationFailed, 404 BlobNotFound, 413 RequestBodyTooLarge, 400 InvalidBlobType / InvalidBlockList).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve, sep } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { type BlobSasScope, createBlobSas, verifyBlobSas } from './blob-sas.js';

export interface BlobStoreOptions {
  /** Directory the blobs are written under (created when missing). */
  readonly root: string;
  readonly container: string;
  /** Storage account name in the SAS scope. */
  readonly account: string;
  /** Key the hub signs blob SAS tokens with (base64). */
  readonly keyBase64: string;
  readonly clock: Clock;
  /** Largest blob accepted (bytes); default 256 MiB. */
  readonly maxBlobBytes?: number;
}

export interface StoredBlob {
  readonly path: string;
  readonly size: number;
  readonly lastModifiedMs: number;
}

export const DEFAULT_MAX_BLOB_BYTES = 256 * 1024 * 1024;

class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class BlobStore {
  private readonly blocks = new Map<string, Map<string, Buffer>>();
  readonly stats = { putBlob: 0, putBlock: 0, putBlockList: 0, refused: {} as Record<string, number> };

  constructor(private readonly o: BlobStoreOptions) {}

  get container(): string {
    return this.o.container;
  }

  get maxBlobBytes(): number {
    return this.o.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  }

  /** The `?sv=…&sr=b&sp=rw&se=…&sig=…` token for one blob of the container. */
  sasFor(blobName: string, expiryMs: number): string {
    return createBlobSas(this.o.keyBase64, this.scope(blobName), expiryMs);
  }

  scope(blobName: string): BlobSasScope {
    return { account: this.o.account, container: this.o.container, blobName };
  }

  /** The blob name of a request path under the container, or undefined when the path is not the container's. */
  blobNameOf(pathname: string): string | undefined {
    const prefix = `/${this.o.container}/`;
    if (!pathname.startsWith(prefix)) return undefined;
    try {
      const name = decodeURIComponent(pathname.slice(prefix.length));
      return name === '' ? undefined : name;
    } catch {
      return undefined;
    }
  }

  /** Forget the uncommitted blocks of a blob (its upload was notified: nothing will commit them any more). */
  discardStaged(blobName: string): void {
    this.blocks.delete(blobName);
  }

  /** Size and time of a stored blob, or undefined. */
  async info(blobName: string): Promise<StoredBlob | undefined> {
    const path = this.pathOf(blobName);
    const s = await stat(path).catch(() => undefined);
    return s === undefined ? undefined : { path, size: s.size, lastModifiedMs: s.mtimeMs };
  }

  /** Serve one blob request (the path is under the container). */
  async handle(req: IncomingMessage, res: ServerResponse, blobName: string, query: URLSearchParams): Promise<void> {
    try {
      await this.serve(req, res, blobName, query);
    } catch (err) {
      const e = err instanceof StorageError ? err : new StorageError(500, 'InternalError', err instanceof Error ? err.message : String(err));
      this.stats.refused[e.code] = (this.stats.refused[e.code] ?? 0) + 1;
      if (!req.complete) {
        req.resume();
        res.setHeader('connection', 'close');
      }
      sendStorageError(res, e);
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse, blobName: string, query: URLSearchParams): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const need = method === 'GET' || method === 'HEAD' ? 'r' : 'w';
    const failure = verifyBlobSas(this.o.keyBase64, this.scope(blobName), query, need, this.o.clock.now());
    if (failure !== null) throw new StorageError(403, 'AuthenticationFailed', `Server failed to authenticate the request (${failure})`);
    if (method === 'GET' || method === 'HEAD') {
      const body = await readFile(this.pathOf(blobName)).catch(() => undefined);
      if (body === undefined) throw new StorageError(404, 'BlobNotFound', 'The specified blob does not exist.');
      res.writeHead(200, { ...this.headers(), 'content-length': String(body.length), 'x-ms-blob-type': 'BlockBlob' });
      res.end(method === 'GET' ? body : undefined);
      return;
    }
    if (method !== 'PUT') throw new StorageError(405, 'UnsupportedHttpVerb', `${method} is not supported on a blob`);
    const comp = query.get('comp');
    if (comp === 'block') {
      const id = query.get('blockid');
      if (id === null || id === '') throw new StorageError(400, 'InvalidQueryParameterValue', 'blockid is required');
      const body = await this.readBody(req, this.stagedBytes(blobName));
      let staged = this.blocks.get(blobName);
      if (staged === undefined) this.blocks.set(blobName, (staged = new Map()));
      staged.set(id, body);
      this.stats.putBlock++;
      this.created(res, { 'x-ms-request-server-encrypted': 'false' });
      return;
    }
    if (comp === 'blocklist') {
      const xml = (await this.readBody(req, 0, 1024 * 1024)).toString('utf8');
      const staged = this.blocks.get(blobName) ?? new Map<string, Buffer>();
      const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2] as string);
      const parts = ids.map((id) => {
        const b = staged.get(id);
        if (b === undefined) throw new StorageError(400, 'InvalidBlockList', `The specified block list is invalid: block ${id} was not staged`);
        return b;
      });
      await this.write(blobName, Buffer.concat(parts));
      this.blocks.delete(blobName);
      this.stats.putBlockList++;
      this.created(res);
      return;
    }
    if (comp !== null) throw new StorageError(400, 'InvalidQueryParameterValue', `comp=${comp} is not supported`);
    const type = req.headers['x-ms-blob-type'];
    if (type !== 'BlockBlob') throw new StorageError(400, 'InvalidBlobType', `x-ms-blob-type must be BlockBlob, got ${JSON.stringify(type ?? '')}`);
    await this.write(blobName, await this.readBody(req, 0));
    this.stats.putBlob++;
    this.created(res);
  }

  private stagedBytes(blobName: string): number {
    let n = 0;
    for (const b of this.blocks.get(blobName)?.values() ?? []) n += b.length;
    return n;
  }

  /** The body, refusing (413) when `already + body` would pass the blob limit. */
  private readBody(req: IncomingMessage, already: number, limit = this.maxBlobBytes): Promise<Buffer> {
    return new Promise((resolveBody, reject) => {
      const room = limit - already;
      const tooLarge = () => new StorageError(413, 'RequestBodyTooLarge', `The request body is too large: the limit is ${limit} bytes per blob`);
      if (Number(req.headers['content-length']) > room) {
        reject(tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > room) {
          req.destroy();
          reject(tooLarge());
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolveBody(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private async write(blobName: string, body: Buffer): Promise<void> {
    const path = this.pathOf(blobName);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  /** `<root>/<container>/<blobName>`; a name that would escape the container (`..`) is refused. */
  private pathOf(blobName: string): string {
    const base = resolve(this.o.root, this.o.container);
    const path = resolve(base, ...blobName.split('/'));
    if (!path.startsWith(base + sep)) throw new StorageError(400, 'InvalidResourceName', 'The specifed resource name contains invalid characters.');
    return join(path);
  }

  private headers(): Record<string, string> {
    return {
      etag: `"0x${this.o.clock.now().toString(16).toUpperCase()}"`,
      'last-modified': new Date(this.o.clock.now()).toUTCString(),
      'x-ms-request-id': randomUUID(),
      'x-ms-version': '2019-12-12',
      date: new Date(this.o.clock.now()).toUTCString(),
    };
  }

  private created(res: ServerResponse, extra: Record<string, string> = {}): void {
    res.writeHead(201, { ...this.headers(), 'content-length': '0', 'x-ms-request-server-encrypted': 'false', ...extra });
    res.end();
  }
}

function sendStorageError(res: ServerResponse, e: StorageError): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error>`;
  res.writeHead(e.status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), 'x-ms-error-code': e.code });
  res.end(body);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}
