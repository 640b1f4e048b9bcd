import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { installCommands } from '@vaahshare/protocol';
import { AGENT_TOKEN, startServer, tempDir, type TestServer } from '@vaahshare/testkit';
import { describeBootstrap } from '../auth/index.js';
import { runInstallLine } from './test-helpers.js';

describe('install lines to a plain http:// server of another machine carry --insecure, and the scripts ask for it', () => {
  let t: TestServer;
  let remote: string;
  before(async () => {
    // 127.0.0.2 is loopback (nothing leaves the machine) but not a name the agent takes for "this machine".
    t = await startServer({ HOST: '127.0.0.2', AGENT_BUILDS_DIR: tempDir('vaahshare-no-builds-') });
    remote = `http://127.0.0.2:${t.port}`;
  });
  after(() => t.dispose());

  test('the printed lines: https and this machine need no flag; another machine over http carries the opt-in', () => {
    assert.deepEqual(installCommands('https://share.example.com', 'tok'), {
      unix: 'curl -fsSL "https://share.example.com/agent/install.sh?token=tok" | sh',
      windows: 'irm "https://share.example.com/agent/install.ps1?token=tok" | iex',
    });
    for (const local of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']) {
      assert.equal(installCommands(local, 'tok').unix, `curl -fsSL "${local}/agent/install.sh?token=tok" | sh`, local);
    }
    assert.deepEqual(installCommands('http://10.1.2.3:3000', 'tok'), {
      unix: 'curl -fsSL "http://10.1.2.3:3000/agent/install.sh?token=tok" | sh -s -- --insecure',
      windows: '& ([scriptblock]::Create((irm "http://10.1.2.3:3000/agent/install.ps1?token=tok"))) -Insecure',
    });
    const banner = describeBootstrap({ enrollmentToken: 'tok' }, { url: 'http://10.1.2.3:3000', configured: false })!;
    assert.match(banner, /curl -fsSL "http:\/\/10\.1\.2\.3:3000\/agent\/install\.sh\?token=tok" \| sh -s -- --insecure/);
  });

  test('the shell script refuses without --insecure, saying what to do, and goes on with it', async () => {
    const env = { HOME: tempDir('vaahshare-home-'), PATH: process.env.PATH ?? '' };
    const url = `${remote}/agent/install.sh?token=${AGENT_TOKEN}`;
    const refused = await runInstallLine(url, [], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^vaahshare-agent: Refusing plain http:\/\/ to 127\.0\.0\.2:\d+: the enrollment token, the device secret and the screen would cross the network unencrypted\./);
    assert.match(refused.stderr, new RegExp(`To install anyway: curl -fsSL "${remote.replaceAll('.', '\\.')}/agent/install\\.sh\\?token=<token>" \\| sh -s -- --insecure\\n$`));
    const allowed = await runInstallLine(url, ['--insecure'], env);
    assert.equal(allowed.code, 1);
    assert.match(allowed.stderr, /this server has no agent for linux-x64/, 'past the check: it would download now');
  });

  test('the PowerShell script has the same guard, and passes --insecure on to the agent', async () => {
    const script = await (await fetch(`${remote}/agent/install.ps1?token=${AGENT_TOKEN}`)).text();
    assert.match(script, /param\(\[switch\]\$NoService, \[switch\]\$Uninstall, \[switch\]\$Insecure\)/);
    assert.match(script, /\$PlainHttp = \$true\n/);
    assert.match(script, /if \(\$PlainHttp -and -not \$Insecure\) \{ Fail 'Refusing plain http:\/\/ to 127\.0\.0\.2:\d+: .* To install anyway: & \(\[scriptblock\]::Create\(\(irm "http:\/\/127\.0\.0\.2:\d+\/agent\/install\.ps1\?token=<token>"\)\)\) -Insecure' \}/);
    assert.match(script, /& \$Agent setup --server \$Server --token \$Token @InsecureFlag/);
  });
});
