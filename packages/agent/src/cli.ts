import { Command } from 'commander';
import { autostartCommand } from './commands/autostart.js';
import { menuCommand } from './commands/menu.js';
import { openCommand } from './commands/open.js';
import { recordCommand } from './commands/record.js';
import { withCaptureOptions, withIdentityOptions } from './commands/capture-options.js';
import { setupCommand } from './commands/setup.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { stopCommand } from './commands/stop.js';
import { SettingsError } from './settings.js';

const program = new Command('vaahshare-agent')
  .description('VaahShare desktop agent: streams this screen to a VaahShare server and records it locally whenever the server is out of reach')
  .showHelpAfterError();

const connectionOptions = (command: Command) =>
  command
    .option('--server <url>', 'server URL, e.g. https://vaahshare.example.com or http://localhost:3000 (env VAAHSHARE_SERVER)')
    .option('--token <token>', 'enrollment token of your company (env VAAHSHARE_TOKEN)')
    .option('--insecure', 'allow a plain http:// server on another machine: token and screen cross the network unencrypted (env VAAHSHARE_INSECURE=1)');

withIdentityOptions(withCaptureOptions(connectionOptions(program.command('start'))))
  .description('capture the screen and stream it to the server; reconnects forever, Ctrl-C to quit')
  .option('--segment-minutes <n>', 'start a new recording this often; 0 = one per run (default 30; env VAAHSHARE_SEGMENT_MINUTES)')
  .option('--no-window', "serve no local window (`vaahshare-agent open`), e.g. on a machine nobody sits at")
  .action(async (flags) => exit(await startCommand(flags)));

withIdentityOptions(withCaptureOptions(program.command('record')))
  .description('record the screen locally only, until Ctrl-C; the next `start` uploads the recording')
  .action(async (flags) => exit(await recordCommand(flags)));

withIdentityOptions(program.command('status'))
  .description('show the running agents, their connection and what is still waiting to be sent')
  .option('--json', 'print JSON')
  .action((flags) => exit(statusCommand(flags)));

withIdentityOptions(program.command('stop'))
  .description('quit a running agent cleanly (as Ctrl-C does)')
  .option('--all', 'stop every agent that uses this data directory')
  .action(async (flags) => exit(await stopCommand(flags)));

withIdentityOptions(program.command('open'))
  .description("open the running agent's window (what it records, who watches, its recordings and settings) in the default browser")
  .option('--print', 'print its address (with its secret) instead of opening it')
  .option('--wait <seconds>', 'wait up to this long for an agent that is starting (default: do not wait)')
  .action(async (flags) => exit(await openCommand(flags)));

withCaptureOptions(connectionOptions(program.command('setup')))
  .description('check the server and token and save them (and capture choices) in the config file')
  .option('--user-host <name>', 'identity to report instead of username@hostname')
  .option('--config <file>', 'config file to write (env VAAHSHARE_CONFIG)')
  .option('--no-check', 'save without asking the server')
  .action(async (flags) => exit(await setupCommand(flags)));

program
  .command('autostart')
  .argument('<action>', 'enable, disable or status')
  .description('start the agent at login, for this user (enable also starts it now; disable stops it)')
  .action((action: string) => exit(autostartCommand(action)));

program
  .command('menu')
  .argument('<action>', 'add, remove or status')
  .description('the application-menu entry "VaahShare" that opens the agent\'s window (Linux; on Windows the install adds a Start-menu shortcut)')
  .action((action: string) => exit(menuCommand(action)));

function exit(code: number) {
  process.exit(code);
}

program.parseAsync().catch((err: Error) => {
  process.stderr.write(err instanceof SettingsError ? `vaahshare-agent: ${err.message}\n` : `vaahshare-agent failed: ${err.stack}\n`);
  process.exit(1);
});
