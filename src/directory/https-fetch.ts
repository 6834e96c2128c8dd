/**
 * A `fetch` over node:http and node:https that can trust a private (company) CA.
 *
 * Node 20's global fetch cannot be given a CA without the undici package (which we do not depend on), and
 * real CardDAV servers in companies have certificates signed by their own CA. This covers what tsdav uses:
 * any method (PROPFIND, REPORT, …), headers, a string or byte body, redirects (follow, manual, error),
 * AbortSignal, and a real global `Response` with status, headers, url and the body. It adds what the phone
 * needs and fetch lacks: a cap on the response size (a broken or hostile server cannot fill the memory), and
 * errors that say why in words ("certificate not trusted: CERT_HAS_EXPIRED …") for the status line and log.
 *
 * Bodies are buffered (tsdav reads every one with .text()), so the size cap is simple and exact.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

export type HttpsFetchErrorReason = 'certificate' | 'tls' | 'network' | 'timeout' | 'redirect' | 'too-large' | 'protocol';

/** Why a request failed; `code` is Node's error code (ECONNREFUSED, CERT_HAS_EXPIRED, …) when there is one. */
export class HttpsFetchError extends Error {
  constructor(
    readonly reason: HttpsFetchErrorReason,
    message: string,
    /** The URL of the request that failed (after redirects). */
    readonly url: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpsFetchError';
  }
}

export interface HttpsFetchOptions {
  /** PEM CA certificate(s) trusted instead of Node's bundled ones (like the ldap client's caFile). */
  readonly ca?: string | Buffer;
  /** Certificate chain and host-name verification; false only for labs. */
  readonly verify: boolean;
  /** One fetch, redirects included, that takes longer fails with reason 'timeout' (default 60 s). */
  readonly timeoutMs?: number;
  /** A response body (decoded) larger than this fails with reason 'too-large' (default 32 MiB). */
  readonly maxResponseBytes?: number;
}

export const MAX_REDIRECTS = 5;
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Statuses whose Response may not have a body (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
/** fetch upper-cases only these methods; others (PROPFIND, REPORT) are sent as written. */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Certificate verification failures, in words. Other codes matching CERT_PATTERN get Node's message. */
const CERTIFICATE_PROBLEMS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'not signed by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'not signed by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'not signed by a trusted CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a CA that is not trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not valid yet (is the clock right?)',
  CERT_REVOKED: 'revoked',
  CERT_SIGNATURE_FAILURE: 'its signature is wrong',
  ERR_TLS_CERT_ALTNAME_INVALID: 'issued for another host name',
};
const CERT_PATTERN = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;
const TLS_PATTERN = /^ERR_SSL|^ERR_TLS|SSL|TLS/;

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

interface PreparedRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: Buffer | undefined;
}

interface RawResponse {
  readonly status: number;
  readonly statusText: string;
  /** Name, value, name, value… as received. */
  readonly rawHeaders: readonly string[];
  readonly location: string | undefined;
  readonly body: Buffer;
}

function bodyBytes(body: unknown, headers: Headers): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return Buffer.from(body, 'utf8');
  }
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return Buffer.from(body.toString(), 'utf8');
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('httpsFetch: only string, URLSearchParams and byte bodies are supported');
}

function prepare(input: string | URL | Request, init: RequestInit): PreparedRequest {
  const fromRequest = typeof input === 'object' && !(input instanceof URL) ? input : undefined;
  if (fromRequest?.body != null && init.body === undefined) throw new TypeError('httpsFetch: a Request with a body is not supported; pass the body in init');
  const url = new URL(fromRequest !== undefined ? fromRequest.url : input instanceof URL ? input.href : input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`httpsFetch: ${url.protocol} URLs are not supported`);
  let method = init.method ?? fromRequest?.method ?? 'GET';
  if (!METHOD_TOKEN.test(method)) throw new TypeError(`httpsFetch: invalid method ${JSON.stringify(method)}`);
  if (NORMALIZED_METHODS.has(method.toUpperCase())) method = method.toUpperCase();
  const headers = new Headers(init.headers ?? fromRequest?.headers);
  const body = bodyBytes(init.body, headers);
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) throw new TypeError(`httpsFetch: a ${method} request cannot have a body`);
  return { url, method, headers, body };
}

/** Node's error as an HttpsFetchError with a reason and words. */
function describe(err: unknown, url: URL): HttpsFetchError {
  if (err instanceof HttpsFetchError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && (code in CERTIFICATE_PROBLEMS || CERT_PATTERN.test(code))) {
    return new HttpsFetchError('certificate', `certificate not trusted: ${code} (${CERTIFICATE_PROBLEMS[code] ?? message})`, url.href, code, { cause: err });
  }
  // OpenSSL's own failures come as EPROTO with the reason inside the message ("…:SSL routines:…:wrong version number:…").
  const sslReason = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1];
  if (typeof code === 'string' && (TLS_PATTERN.test(code) || (code === 'EPROTO' && sslReason !== undefined))) {
    const why = sslReason === 'wrong version number' ? 'wrong version number: is this an https port?' : (sslReason ?? message);
    return new HttpsFetchError('tls', `TLS handshake with ${url.host} failed: ${code} (${why})`, url.href, code, { cause: err });
  }
  const what = typeof code === 'string' ? `${code}: ${message}` : message;
  return new HttpsFetchError('network', `request to ${url.origin} failed (${what})`, url.href, typeof code === 'string' ? code : undefined, { cause: err });
}

function tooLarge(url: URL, max: number): HttpsFetchError {
  return new HttpsFetchError('too-large', `response from ${url.origin} is larger than ${max} bytes`, url.href);
}

async function decode(body: Buffer, encoding: string | undefined, url: URL, max: number): Promise<Buffer> {
  const limit = { maxOutputLength: max };
  try {
    switch ((encoding ?? '').trim().toLowerCase()) {
      case '':
      case 'identity':
        return body;
      case 'gzip':
      case 'x-gzip':
        return await gunzip(body, limit);
      case 'deflate':
        return await inflate(body, limit);
      case 'br':
        return await brotli(body, limit);
      default:
        throw new HttpsFetchError('protocol', `response from ${url.origin} has an unsupported content-encoding ${encoding}`, url.href);
    }
  } catch (err) {
    if (err instanceof HttpsFetchError) throw err;
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(url, max);
    throw new HttpsFetchError('protocol', `response from ${url.origin} could not be decompressed (${(err as Error).message})`, url.href, undefined, { cause: err });
  }
}

/** One HTTP exchange, no redirects; the body is read whole (up to `max` bytes). Rejects with signal.reason on abort. */
function exchange(req: PreparedRequest, options: HttpsFetchOptions, max: number, signal: AbortSignal): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const headers: Record<string, string> = Object.fromEntries(req.headers);
    if (req.body !== undefined) headers['content-length'] = String(req.body.length);
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    // agent: false, a fresh connection per request: a sync is a handful of requests every half hour, and
    // a pooled socket the server closed in the meantime would only give spurious ECONNRESETs.
    const common = { method: req.method, headers, agent: false as const };
    const request =
      req.url.protocol === 'https:'
        ? https.request(req.url, { ...common, rejectUnauthorized: options.verify, ...(options.ca === undefined ? {} : { ca: options.ca }) })
        : http.request(req.url, common);
    const fail = (err: unknown) => {
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      // Like fetch: an abort rejects with the signal's reason, whatever the caller made it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(err);
    };
    const onAbort = () => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (err) => fail(describe(err, req.url)));
    request.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > max) return fail(tooLarge(req.url, max));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) fail(tooLarge(req.url, max));
        else chunks.push(chunk);
      });
      res.on('error', (err) => fail(describe(err, req.url)));
      res.on('aborted', () => fail(new HttpsFetchError('network', `${req.url.origin} closed the connection mid-response`, req.url.href)));
      res.on('end', () => {
        if (size > max) return;
        decode(Buffer.concat(chunks), res.headers['content-encoding'], req.url, max).then((body) => {
          signal.removeEventListener('abort', onAbort);
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', rawHeaders: res.rawHeaders, location: res.headers.location, body });
        }, fail);
      });
    });
    request.end(req.body);
  });
}

/** The request for a redirect's target, as fetch does it, or an error when it must not be followed. */
function redirected(req: PreparedRequest, status: number, location: string): PreparedRequest {
  let url: URL;
  try {
    url = new URL(location, req.url);
  } catch {
    throw new HttpsFetchError('redirect', `${req.url.origin} redirected to an invalid URL ${JSON.stringify(location)}`, req.url.href);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpsFetchError('redirect', `${req.url.origin} redirected to a ${url.protocol} URL`, req.url.href);
  // Certificates are only worth checking if they stay checked: never follow https to plain http.
  if (req.url.protocol === 'https:' && url.protocol === 'http:') {
    throw new HttpsFetchError('redirect', `${req.url.origin} redirected from https to insecure ${url.origin}: refused`, req.url.href);
  }
  const headers = new Headers(req.headers);
  // Credentials were meant for the server asked, not for wherever it points to.
  if (url.origin !== req.url.origin) {
    headers.delete('authorization');
    headers.delete('cookie');
  }
  const toGet = (status === 303 && req.method !== 'HEAD') || ((status === 301 || status === 302) && req.method === 'POST');
  if (!toGet) return { url, method: req.method, headers, body: req.body };
  for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
  return { url, method: 'GET', headers, body: undefined };
}

function toResponse(raw: RawResponse, req: PreparedRequest, wasRedirected: boolean): Response {
  if (raw.status < 200 || raw.status > 599) throw new HttpsFetchError('protocol', `${req.url.origin} answered with HTTP status ${raw.status}`, req.url.href);
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.rawHeaders.length; i += 2) {
    try {
      headers.append(raw.rawHeaders[i]!, raw.rawHeaders[i + 1]!);
    } catch {
      // A header fetch would also refuse (invalid name or value): dropped rather than failing the response.
    }
  }
  const body = NULL_BODY_STATUSES.has(raw.status) || req.method === 'HEAD' ? null : raw.body;
  let response: Response;
  try {
    response = new Response(body, { status: raw.status, statusText: raw.statusText, headers });
  } catch {
    // A reason phrase the Response constructor refuses (control characters): the status alone is enough.
    response = new Response(body, { status: raw.status, headers });
  }
  // A constructed Response has url "" and redirected false; tsdav reads url as the href of errors.
  Object.defineProperty(response, 'url', { value: req.url.href });
  Object.defineProperty(response, 'redirected', { value: wasRedirected });
  return response;
}

/** A fetch that trusts `ca` (or Node's CAs), verifies certificates unless told not to, and caps responses. */
export function createHttpsFetch(options: HttpsFetchOptions): typeof fetch {
  const max = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return async function httpsFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const callerSignal = init.signal ?? (typeof input === 'object' && !(input instanceof URL) ? input.signal : undefined);
    callerSignal?.throwIfAborted();
    let req = prepare(input, init);
    const mode = init.redirect ?? 'follow';
    // One controller for the caller's signal and the timeout, so that either ends the exchange under way.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new HttpsFetchError('timeout', `${req.url.origin} did not answer within ${timeoutMs} ms`, req.url.href)), timeoutMs);
    try {
      for (let hops = 0; ; hops++) {
        const raw = await exchange(req, options, max, controller.signal);
        if (!REDIRECT_STATUSES.has(raw.status) || raw.location === undefined || mode === 'manual') return toResponse(raw, req, hops > 0);
        if (mode === 'error') throw new HttpsFetchError('redirect', `${req.url.origin} redirected (${raw.status}) and redirects are not allowed here`, req.url.href);
        if (hops >= MAX_REDIRECTS) throw new HttpsFetchError('redirect', `more than ${MAX_REDIRECTS} redirects, the last from ${req.url.href}`, req.url.href);
        req = redirected(req, raw.status, raw.location);
      }
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  };
}
