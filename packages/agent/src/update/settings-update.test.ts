import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSettings, SettingsError } from '../settings.js';

const env = (extra: Record<string, string>) => ({ VAAHSHARE_CONFIG: '/nonexistent/vaahshare-agent-test/config.json', PATH: '', ...extra });

test('a self-update restarts through the service manager only when this process is its main process', () => {
  assert.equal(loadSettings({}, env({ INVOCATION_ID: 'abc', SYSTEMD_EXEC_PID: String(process.pid) })).service, 'systemd');
  // A shell in a terminal that systemd started inherits both, with the terminal's pid.
  assert.equal(loadSettings({}, env({ INVOCATION_ID: 'abc', SYSTEMD_EXEC_PID: '1' })).service, null);
  assert.equal(loadSettings({}, env({ XPC_SERVICE_NAME: 'com.vaahshare.agent' })).service, 'launchd');
  assert.equal(loadSettings({}, env({ XPC_SERVICE_NAME: 'com.apple.Terminal' })).service, null);
});

test('the update trial lasts a minute unless VAAHSHARE_UPDATE_TRIAL_SECONDS says otherwise; nonsense is refused by name', () => {
  assert.equal(loadSettings({}, env({})).updateTrialSeconds, 60);
  assert.equal(loadSettings({}, env({ VAAHSHARE_UPDATE_TRIAL_SECONDS: '5' })).updateTrialSeconds, 5);
  assert.throws(() => loadSettings({}, env({ VAAHSHARE_UPDATE_TRIAL_SECONDS: '0' })), (err) => err instanceof SettingsError && /updateTrialSeconds: update trial seconds must be 1 or more/.test(err.message));
});
