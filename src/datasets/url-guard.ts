import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Thrown for a dataset URL Kiln will not fetch; the message says why. */
export class UrlRefusedError extends Error {
  override name = 'UrlRefusedError';
}

/** True for loopback, private, link-local, unique-local, unspecified and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const ip = address.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  return ip === '::' || ip === '::1' || ip.startsWith('fc') || ip.startsWith('fd') || ip.startsWith('fe80') || ip.startsWith('ff');
}

/**
 * Refuses URLs that are not http(s), or whose host resolves to a non-public address (server-side
 * request forgery: a dataset URL must not reach the machine's own services), unless allowed.
 */
export async function assertFetchableUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefusedError(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlRefusedError(`only http and https URLs can be fetched, not ${url.protocol}`);
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new UrlRefusedError(`the host ${host} does not resolve`);
  const blocked = addresses.find(isPrivateAddress);
  if (blocked) throw new UrlRefusedError(`${host} resolves to ${blocked}, a loopback or private address (set KILN_ALLOW_PRIVATE_URLS=1 to allow)`);
  return url;
}
