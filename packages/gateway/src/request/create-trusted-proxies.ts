import { BlockList, isIPv6 } from 'node:net';

/**
 * Builds the `trustedProxies` test: true when an address is inside one of the CIDR blocks (or
 * equal to one of the addresses). The entries were validated by `loadGatewayConfig`.
 *
 * @example
 * ```ts
 * const trusted = createTrustedProxies(['10.0.0.0/8']);
 * trusted('10.1.2.3'); // true
 * ```
 */
export function createTrustedProxies(cidrs: readonly string[]): (ip: string) => boolean {
  if (cidrs.length === 0) return () => false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr = '', bits] = cidr.split('/');
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (ip) => {
    try {
      return list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
    } catch {
      // Not an IP address (a Unix socket peer): not a trusted proxy.
      return false;
    }
  };
}
