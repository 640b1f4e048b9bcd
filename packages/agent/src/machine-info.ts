import os from 'node:os';
import type { MachineInfo } from '@vaahshare/protocol';
import { AGENT_PLATFORM, AGENT_VERSION } from './version.js';

/** The first non-internal interface with a real hardware address. */
function macAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    const found = addresses?.find((a) => !a.internal && a.mac && a.mac !== '00:00:00:00:00:00');
    if (found) return found.mac;
  }
  return undefined;
}

/** What the original client reports: `user_host` is `username@hostname` unless overridden. */
export function machineInfo(userHostOverride?: string): MachineInfo {
  const username = os.userInfo().username;
  const hostname = os.hostname();
  return {
    user_host: userHostOverride ?? `${username}@${hostname}`,
    username,
    hostname,
    platform: process.platform,
    operatingSystem: `${os.type()} ${os.release()}`,
    macAddress: macAddress(),
    agent_version: AGENT_VERSION,
    agent_platform: AGENT_PLATFORM,
  };
}
