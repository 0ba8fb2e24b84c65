import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { KilnError } from '../domain/errors.ts';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/** Thrown for a dataset URL Kiln will not fetch; the message says why. */
/** A URL Kiln will not fetch (private address, not http(s), too many redirects…): the message says why. */
function urlRefused(message: string): KilnError {
  return new KilnError('url_refused', message);
}

/** Whether an error is the guard's refusal of a URL. */
export const isUrlRefused = (error: unknown): error is KilnError =>
  error instanceof KilnError && error.code === 'url_refused';

// IPv4 ranges that are not public unicast (IANA special-purpose registry): a dataset URL must not reach them.
const PRIVATE_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 connects to the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
] as const) {
  PRIVATE_V4.addSubnet(network, prefix, 'ipv4');
}

// IPv6 ranges that are not public unicast. Ranges that embed an IPv4 address (mapped, compatible, NAT64,
// 6to4) are not listed here: they are judged by the IPv4 address they carry (see embeddedIpv4).
const PRIVATE_V6 = new BlockList();
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): translates to whatever v4 the local network chooses
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments, Teredo included
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE_V6.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of a valid IPv6 address (zone already removed), a trailing dotted quad included. */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const [head = '', tail] = text.split('::');
  const high = parse(head);
  if (tail === undefined) return high;
  const low = parse(tail);
  return [...high, ...new Array<number>(8 - high.length - low.length).fill(0), ...low];
}

/**
 * The IPv4 address an IPv6 address stands for, if it embeds one: IPv4-mapped (::ffff:a.b.c.d, which the
 * WHATWG URL parser writes as ::ffff:7f00:1), IPv4-translated (::ffff:0:a.b.c.d), IPv4-compatible
 * (::a.b.c.d, also :: and ::1), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::). Traffic to these
 * reaches (or may be translated to) that IPv4 host, so they are as private as it is.
 */
function embeddedIpv4(groups: number[]): string | undefined {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zero(0, 5) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  if (zero(0, 4) && groups[4] === 0xffff && groups[5] === 0) return v4(groups[6]!, groups[7]!);
  if (zero(0, 6)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return undefined;
}

/**
 * True for loopback, private, link-local, unique-local, unspecified, multicast, reserved and other
 * non-public addresses, in any spelling: IPv6 forms that carry an IPv4 address are judged by it. Anything
 * that is not an IP address at all counts as private (refused rather than guessed at).
 */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 4) return PRIVATE_V4.check(ip, 'ipv4');
  if (family !== 6) return true;
  const groups = ipv6Groups(ip.toLowerCase());
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g))) return true;
  const v4 = embeddedIpv4(groups);
  if (v4 !== undefined) return PRIVATE_V4.check(v4, 'ipv4');
  return PRIVATE_V6.check(ip, 'ipv6');
}

/** How a URL's connections are screened. */
export interface UrlGuardOptions {
  /** KILN_ALLOW_PRIVATE_URLS: connect to any address. */
  allowPrivate: boolean;
  /** Which connection addresses are refused (default isPrivateAddress); tests let one loopback address stand in for a public host. */
  isBlocked?: (address: string) => boolean;
  /** The resolver connections use (default dns.lookup); tests substitute one to play a rebinding DNS server. */
  resolve?: typeof dnsLookup;
}

function blockedBy(options: UrlGuardOptions): (address: string) => boolean {
  return options.allowPrivate ? () => false : (options.isBlocked ?? isPrivateAddress);
}

const refusal = (host: string, address: string) =>
  urlRefused(
    `${host === address ? `${host} is` : `${host} resolves to ${address},`} a loopback or private address (set KILN_ALLOW_PRIVATE_URLS=1 to allow)`,
  );

/** Parses a URL and refuses anything but http(s). */
function parseHttpUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw urlRefused(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw urlRefused(`only http and https URLs can be fetched, not ${url.protocol}`);
  return url;
}

/**
 * Refuses URLs that are not http(s), or whose host resolves to a non-public address (server-side
 * request forgery: a dataset URL must not reach the machine's own services), unless allowed.
 * This is the api's early answer only: DNS may answer differently by the time the worker connects, so
 * the download itself goes through openGuardedUrl, which checks the addresses it actually connects to.
 */
export async function assertFetchableUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = parseHttpUrl(raw);
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw urlRefused(`the host ${host} does not resolve`);
  const blocked = addresses.find(isPrivateAddress);
  if (blocked) throw refusal(host, blocked);
  return url;
}

/**
 * A `lookup` for net/http that resolves as dns.lookup does, then refuses the answer if any address in it
 * is blocked. The socket connects only to addresses that passed here, so a DNS server that answers
 * "public" to a first query and "127.0.0.1" to the next (rebinding) cannot get a connection through.
 */
function guardedLookup(isBlocked: (address: string) => boolean, resolve: typeof dnsLookup) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    resolve(hostname, { ...options, all: true }, (error, answers) => {
      if (error) return callback(error, '');
      const list = answers as LookupAddress[];
      const blocked = list.find((a) => isBlocked(a.address));
      if (blocked) return callback(refusal(hostname, blocked.address), '');
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** A download that sends nothing for this long is abandoned (and retried as a network failure). */
const IDLE_TIMEOUT_MS = 120_000;

/** One GET, connecting only to unblocked addresses: IP literals are checked here, host names in the lookup. */
function getOnce(url: URL, options: UrlGuardOptions): Promise<IncomingMessage> {
  const isBlocked = blockedBy(options);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // net.connect skips the lookup for an IP literal, so it is judged here, in whatever spelling it came.
  if (isIP(host) && isBlocked(host)) return Promise.reject(refusal(host, host));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        // The bytes as published: a sha256 the user gives is of the file, not of a decoded transfer.
        headers: { 'accept-encoding': 'identity', 'user-agent': 'kiln-dataset-fetch' },
        lookup: guardedLookup(isBlocked, options.resolve ?? dnsLookup),
        // A fresh connection per request: a pooled socket would skip the lookup (and its check).
        agent: false,
        timeout: IDLE_TIMEOUT_MS,
      },
      resolve,
    );
    req.on('timeout', () => req.destroy(new Error(`${url.host} sent nothing for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * GETs an http(s) URL for a dataset download, following up to 5 redirects. Every hop's URL is checked
 * (scheme, IP literal) and every connection's resolved address is checked as it connects, so neither a
 * redirect nor a DNS answer can lead to a private address unless allowPrivate. Returns the final URL and
 * its response (any status but a redirect); the caller reads or discards the body.
 */
export async function openGuardedUrl(
  raw: string,
  options: UrlGuardOptions,
): Promise<{ url: URL; response: IncomingMessage }> {
  let url = parseHttpUrl(raw);
  for (let hop = 0; ; hop++) {
    let response: IncomingMessage;
    try {
      response = await getOnce(url, options);
    } catch (error) {
      if (hop > 0 && isUrlRefused(error)) throw urlRefused(`${raw} redirected to ${url.href}: ${error.message}`);
      throw error;
    }
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) return { url, response };
    response.resume();
    if (hop >= MAX_REDIRECTS) throw urlRefused(`${raw} redirects more than ${MAX_REDIRECTS} times`);
    try {
      url = parseHttpUrl(location, url);
    } catch (error) {
      throw urlRefused(`${raw} redirects to ${location}: ${(error as Error).message}`);
    }
  }
}
