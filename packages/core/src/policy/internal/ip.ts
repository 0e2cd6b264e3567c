import { isIPv4, isIPv6 } from 'node:net';

/** A parsed IP address: IPv4 lives in `w3` alone; IPv6 uses all four 32-bit words, most significant first. */
export interface ParsedIp {
  readonly v6: boolean;
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
}

/** A compiled CIDR block: address words already masked with `prefix` bits. */
export interface Cidr extends ParsedIp {
  readonly prefix: number;
  readonly text: string;
}

function parseV4(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.');
  let n = 0;
  for (const p of parts) n = n * 256 + Number(p);
  return n >>> 0;
}

function parseV6Words(text: string): number[] | undefined {
  if (!isIPv6(text)) return undefined;
  let head = text;
  let v4tail: number | undefined;
  const lastColon = head.lastIndexOf(':');
  if (head.indexOf('.', lastColon) !== -1) {
    v4tail = parseV4(head.slice(lastColon + 1));
    if (v4tail === undefined) return undefined;
    head = head.slice(0, lastColon) + ':0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const left = halves[0] === '' ? [] : halves[0]!.split(':');
  const right = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const fill = 8 - left.length - right.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  const groups = [...left, ...new Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...right].map((g) =>
    parseInt(g, 16),
  );
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return undefined;
  const words = [0, 1, 2, 3].map((i) => ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0);
  if (v4tail !== undefined) words[3] = v4tail;
  return words;
}

/**
 * Parses a request address. IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what a dual-stack node:http
 * socket reports for IPv4 peers) becomes the IPv4 address, so `10.0.0.0/8` matches it. A zone
 * (`%eth0`) is dropped.
 */
export function parseIp(text: string | undefined): ParsedIp | undefined {
  if (text === undefined || text.length === 0) return undefined;
  const v4 = parseV4(text);
  if (v4 !== undefined) return { v6: false, w0: 0, w1: 0, w2: 0, w3: v4 };
  const zone = text.indexOf('%');
  const words = parseV6Words(zone === -1 ? text : text.slice(0, zone));
  if (words === undefined) return undefined;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return { v6: false, w0: 0, w1: 0, w2: 0, w3: words[3]! };
  return { v6: true, w0: words[0]!, w1: words[1]!, w2: words[2]!, w3: words[3]! };
}

function mask(word: number, bits: number): number {
  if (bits >= 32) return word >>> 0;
  if (bits <= 0) return 0;
  return (word & (0xffffffff << (32 - bits))) >>> 0;
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). Returns an error message when invalid. */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const v4 = parseV4(addr);
  const v6 = v4 === undefined ? parseV6Words(addr) : undefined;
  if (v4 === undefined && v6 === undefined) return `${JSON.stringify(text)} is not an IP address or CIDR block`;
  const max = v4 !== undefined ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max)
      return `${JSON.stringify(text)} has an invalid prefix length (0-${max})`;
    prefix = Number(p);
  }
  if (v4 !== undefined) return { v6: false, w0: 0, w1: 0, w2: 0, w3: mask(v4, prefix), prefix, text };
  const w = v6!;
  return {
    v6: true,
    w0: mask(w[0]!, prefix),
    w1: mask(w[1]!, prefix - 32),
    w2: mask(w[2]!, prefix - 64),
    w3: mask(w[3]!, prefix - 96),
    prefix,
    text,
  };
}

/** Whether `ip` lies in `cidr`. Families never cross (IPv4-mapped addresses were turned into IPv4 by {@link parseIp}). */
export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.v6 !== ip.v6) return false;
  const p = cidr.prefix;
  if (!cidr.v6) return mask(ip.w3, p) === cidr.w3;
  return (
    mask(ip.w0, p) === cidr.w0 &&
    mask(ip.w1, p - 32) === cidr.w1 &&
    mask(ip.w2, p - 64) === cidr.w2 &&
    mask(ip.w3, p - 96) === cidr.w3
  );
}
