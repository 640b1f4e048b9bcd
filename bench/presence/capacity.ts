/**
 * What the machine must allow before a benchmark opens tens of thousands of local connections, checked
 * before anything starts: open files per process (raised for this process, so that every child inherits it),
 * files and tracked connections machine-wide, and the local ports a source address can use. Each refusal
 * says the command that fixes it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** A kernel setting (`sysctl name`), or undefined where it does not exist (no conntrack module, not Linux). */
export function sysctl(name: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim().replace(/\s+/g, ' ');
  } catch {
    return undefined;
  }
}

const sysctlNumber = (name: string) => {
  const value = sysctl(name);
  return value === undefined ? undefined : Number(value);
};

/** The settings the report records next to the machine: they bound what a run of this size can do. */
export function kernelSettings() {
  const names = [
    'fs.nr_open',
    'fs.file-max',
    'net.core.somaxconn',
    'net.ipv4.tcp_max_syn_backlog',
    'net.ipv4.ip_local_port_range',
    'net.netfilter.nf_conntrack_max',
  ];
  return Object.fromEntries(names.map((name) => [name, sysctl(name) ?? 'n/a']));
}

/** Open-file limits (soft, hard) of a process, from `Max open files` of /proc/<pid>/limits. */
function fdLimits(pid: number | 'self'): { soft: number; hard: number } {
  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!match) throw new Error(`no open-file limit in /proc/${pid}/limits`);
  const value = (v: string) => (v === 'unlimited' ? Infinity : Number(v));
  return { soft: value(match[1]), hard: value(match[2]) };
}

/** The open-file limit a process works with (the soft one). */
export const fdLimitOf = (pid: number | 'self') => fdLimits(pid).soft;

/** CAP_SYS_RESOURCE (bit 24 of CapEff) lets a process raise a hard limit; containers usually drop it, root or not. */
function maySetHardLimits(): boolean {
  const capEff = /^CapEff:\s+([0-9a-f]+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  return capEff !== undefined && (BigInt(`0x${capEff}`) & (1n << 24n)) !== 0n;
}

export class CapacityError extends Error {}

/**
 * Makes this process's open-file limit at least `needed`, so that every child it starts inherits it (Node has
 * no setrlimit: util-linux `prlimit` sets it on our pid). Nothing happens when the limit is already high enough,
 * so that runs of the usual size start exactly as before.
 */
export function raiseFdLimit(needed: number, why: string): void {
  const { soft, hard } = fdLimits('self');
  if (soft >= needed) return;
  const nrOpen = sysctlNumber('fs.nr_open');
  if (nrOpen !== undefined && nrOpen < needed) {
    throw new CapacityError(`${why} needs ${needed} open files per process, above fs.nr_open (${nrOpen}): run \`sysctl -w fs.nr_open=${needed}\` (as root) first`);
  }
  if (hard < needed && !maySetHardLimits()) {
    throw new CapacityError(
      `${why} needs ${needed} open files per process; the hard limit is ${hard} and this process may not raise it ` +
        `(${process.getuid?.() === 0 ? 'root, but without CAP_SYS_RESOURCE: a container' : 'not root'}). ` +
        'Start it from a shell whose limit is high enough: as root on the host `ulimit -n ' + needed + '`, ' +
        `for a container \`docker run --ulimit nofile=${needed}:${needed} …\` (or LimitNOFILE=${needed} in the unit that starts it), ` +
        `or for a user \`<user> hard nofile ${needed}\` in /etc/security/limits.conf and log in again.`,
    );
  }
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${needed}:${Math.max(hard, needed)}`], { stdio: 'pipe' });
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new CapacityError(`${why} needs ${needed} open files per process; \`prlimit --pid ${process.pid} --nofile=${needed}:${Math.max(hard, needed)}\` failed: ${detail}`);
  }
  if (fdLimitOf('self') < needed) throw new CapacityError(`prlimit did not raise the open-file limit to ${needed}`);
}

/**
 * Refuses when the machine could not hold `sockets` open files at once (both ends of every local connection
 * count) or track `trackedConnections` in conntrack (a full table drops new connections' SYNs silently).
 */
export function checkMachineWide(sockets: number, trackedConnections: number): void {
  const fileMax = sysctlNumber('fs.file-max');
  if (fileMax !== undefined && fileMax < sockets) {
    throw new CapacityError(`the run holds about ${sockets} open files machine-wide, above fs.file-max (${fileMax}): run \`sysctl -w fs.file-max=${sockets * 2}\``);
  }
  const conntrackMax = sysctlNumber('net.netfilter.nf_conntrack_max');
  if (conntrackMax !== undefined && conntrackMax < trackedConnections) {
    throw new CapacityError(
      `the run may track ${trackedConnections} connections (held ones plus the TIME_WAIT of a storm), above net.netfilter.nf_conntrack_max (${conntrackMax}): ` +
        `run \`sysctl -w net.netfilter.nf_conntrack_max=${trackedConnections}\``,
    );
  }
}

/** How many local ports a source address has for connections (net.ipv4.ip_local_port_range). */
export function localPorts(): number {
  const [low, high] = (sysctl('net.ipv4.ip_local_port_range') ?? '32768 60999').split(' ').map(Number);
  return high - low + 1;
}

/** Loopback source addresses for spread connections: 127.0.0.2, 127.0.0.3, … (one /24, as nginx's ip_hash sees one client). */
const MAX_SOURCE_ADDRESSES = 253;

/**
 * The source addresses that `connections` to one server port are spread over, each using at most half of the
 * local port range (a socket bound to an address before it connects needs a port of its own on that address,
 * and the ports of dropped connections wait in TIME_WAIT). None (the kernel's choice, 127.0.0.1) when one
 * address suffices and none were asked for. `wanted` forces a count.
 */
export function sourceAddresses(connections: number, wanted?: number): string[] {
  const ports = localPorts();
  const perAddress = Math.floor(ports / 2);
  const count = wanted ?? (connections <= perAddress ? 0 : Math.ceil(connections / perAddress));
  if (count > MAX_SOURCE_ADDRESSES) {
    throw new CapacityError(
      `${connections} connections need ${count} source addresses at ${perAddress} each (net.ipv4.ip_local_port_range gives ${ports} ports), ` +
        `more than the ${MAX_SOURCE_ADDRESSES} of 127.0.0.0/24: run \`sysctl -w net.ipv4.ip_local_port_range="1024 65535"\``,
    );
  }
  if (count > 0 && Math.ceil(connections / count) > ports) {
    throw new CapacityError(
      `${Math.ceil(connections / count)} connections per source address do not fit the ${ports} local ports of net.ipv4.ip_local_port_range: ` +
        `use more source addresses, or run \`sysctl -w net.ipv4.ip_local_port_range="1024 65535"\``,
    );
  }
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}

/** Refuses when one source address must open `connections` to one destination (a proxy to its upstream). */
export function checkOneSourcePorts(connections: number, what: string): void {
  const ports = localPorts();
  if (connections > ports) {
    throw new CapacityError(
      `${what} opens ${connections} connections from one address to one port, more than the ${ports} local ports of ` +
        `net.ipv4.ip_local_port_range: run \`sysctl -w net.ipv4.ip_local_port_range="1024 65535"\``,
    );
  }
}

const ipv4FromProcHex = (hex: string) => [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');

/** Established IPv4 connections to a local port, counted by the peer's address: proof of where agents connected from. */
export function peerAddresses(port: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== '01' || parseInt(fields[1].split(':')[1], 16) !== port) continue;
    const peer = ipv4FromProcHex(fields[2].split(':')[0]);
    out[peer] = (out[peer] ?? 0) + 1;
  }
  return out;
}

/**
 * MAX_SOCKETS_PER_TOKEN for `desktops` sharing one enrollment token: the desktops and their reconnects' overlap,
 * as the server's default (12 000) is for 10 000.
 */
export const maxSocketsPerToken = (desktops: number) => Math.max(12_000, Math.ceil(desktops * 1.2));
