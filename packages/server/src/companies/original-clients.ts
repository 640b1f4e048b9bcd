import ipaddr from 'ipaddr.js';
import type { OriginalClients } from '@vaahshare/protocol';
import type { CompanyRow } from '../db/schema.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An address or CIDR as validated by the protocol's schema, written the one way ipaddr.js writes it. */
export function normalRange(entry: string): string {
  if (entry.includes('/')) {
    const [address, bits] = ipaddr.parseCIDR(entry);
    return `${address.toString()}/${bits}`;
  }
  return ipaddr.parse(entry).toString();
}

const toRange = (entry: string): Range => {
  if (entry.includes('/')) return ipaddr.parseCIDR(entry);
  const address = ipaddr.parse(entry);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
};

/**
 * Whether `address` (a peer's, as Fastify or the socket resolved it) is in one of `entries`. An IPv4 peer seen as
 * IPv6 (`::ffff:203.0.113.7`, on a dual-stack listener) is compared as the IPv4 address it is.
 */
export function addressAllowed(address: string, entries: string[]): boolean {
  if (!ipaddr.isValid(address)) return false;
  const peer = ipaddr.process(address);
  return entries.some((entry) => {
    const [network, bits] = toRange(entry);
    return peer.kind() === network.kind() && peer.match(network, bits);
  });
}

export const rangesOf = (row: Pick<CompanyRow, 'original_clients_from'>) => row.original_clients_from.split('\n').filter(Boolean);

/**
 * A company's acceptance of original clients: its own setting, or LEGACY_AGENTS=true for the default company
 * (from any address unless it lists some).
 */
export function originalClientsOf(row: Pick<CompanyRow, 'original_clients' | 'original_clients_from'>, byServerConfig: boolean): OriginalClients {
  return { accepted: row.original_clients === 1 || byServerConfig, allowed_addresses: rangesOf(row), accepted_by_server_config: byServerConfig };
}

/** Whether an original client at `address` may connect into (or call the REST of) a company with these rules. */
export function admits(rules: OriginalClients, address: string): boolean {
  if (!rules.accepted) return false;
  if (rules.accepted_by_server_config && rules.allowed_addresses.length === 0) return true;
  return addressAllowed(address, rules.allowed_addresses);
}

/** Where a company's rules let original clients in from, in words (the start-up warning). */
export const fromWhere = (rules: OriginalClients) =>
  rules.accepted_by_server_config && rules.allowed_addresses.length === 0 ? 'any address' : rules.allowed_addresses.join(', ');
