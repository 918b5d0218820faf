import net from 'node:net';

/**
 * The client a per-client limit counts under, from the address Express derived for the request
 * (`req.ip`: the connection's address, or with TRUST_PROXY the one the trusted proxies saw).
 *
 * IPv4 addresses count one by one (an IPv4-mapped IPv6 address is its IPv4 address). IPv6
 * addresses count by their /64 prefix: one subscriber is routinely given a whole /64, so counting
 * single addresses would give an attacker 2^64 fresh clients. Anything else (no address, a
 * malformed forwarded value) counts as itself, trimmed, so it is still limited.
 */
export function clientAddressOf(address: string | undefined | null): string {
  const raw = (address ?? '').trim();
  if (!raw) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(raw);
  if (mapped && net.isIPv4(mapped[1])) return mapped[1];
  if (net.isIPv4(raw)) return raw;
  const groups = net.isIPv6(raw) ? ipv6Groups(raw) : null;
  if (groups) {
    // A mapped address written in hex (::ffff:c000:201) is the same IPv4 client.
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
      return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
    }
    return `${groups
      .slice(0, 4)
      .map((g) => g.toString(16))
      .join(':')}::/64`;
  }
  return raw.slice(0, 100);
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, embedded IPv4 tail allowed). */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0].toLowerCase();
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  const groups = tail === undefined ? front : [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
