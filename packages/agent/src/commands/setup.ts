import { defaultConfigFile, readConfigFile, refusePlainHttp, SettingsError, writeConfigFile, type ConfigFile, type Flags } from '../settings.js';
import { agentCommand } from '../invocation.js';

/**
 * Asks the server whether it takes this token (`GET /api/clients/assets` answers agents with a valid one); a plain
 * http:// server of another machine is not even asked without `insecure`.
 */
export async function checkServer(server: string, token: string, insecure: boolean) {
  refusePlainHttp(server, insecure);
  let res: Response;
  try {
    res = await fetch(new URL('/api/clients/assets', server), { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new SettingsError(`Cannot reach ${server} (${(err as Error).cause ?? (err as Error).message}): check the URL, or pass --no-check to save it anyway`);
  }
  if (res.status === 401 || res.status === 403) throw new SettingsError(`${server} refused the token: ask an admin for a valid enrollment token`);
  if (!res.ok) throw new SettingsError(`${server} answered ${res.status}: is it a VaahShare server?`);
}

/** `setup`: checks the server and token, then saves them (and any capture choice) in the config file. */
export async function setupCommand(flags: Flags & { check: boolean }): Promise<number> {
  const file = flags.config ?? defaultConfigFile();
  const config: ConfigFile = { ...readConfigFile(file) };
  if (flags.server) config.server = flags.server;
  if (flags.token) config.token = flags.token;
  if (flags.userHost) config.user_host = flags.userHost;
  if (flags.source) config.source = flags.source as ConfigFile['source'];
  if (flags.fps) config.fps = Number(flags.fps);
  if (flags.size) config.size = flags.size;
  if (flags.bitrate) config.bitrate = flags.bitrate;
  if (flags.insecure) config.insecure = true;
  if (!config.server || !config.token) throw new SettingsError('setup needs --server URL and --token TOKEN (the enrollment token an admin gave you)');
  if (flags.check) await checkServer(config.server, config.token, Boolean(config.insecure));
  else refusePlainHttp(config.server, Boolean(config.insecure));
  writeConfigFile(file, config);
  process.stdout.write(`Saved ${file}${flags.check ? ` (server ${config.server} accepts the token)` : ''}. Now run: ${agentCommand()} start\n`);
  return 0;
}
