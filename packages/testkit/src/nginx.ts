import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './harness.js';
import { freePort } from './process.js';

const DEPLOY_NGINX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../deploy/nginx');

/** The deployment's own scripts fill the templates, so the tests run the config users get. */
const deployScript = (script: string, args: string[]) => execFileSync(path.join(DEPLOY_NGINX, script), args, { encoding: 'utf8' });

export interface Nginx {
  url: string;
  stop: () => Promise<void>;
}

/** Debian's nginx with the deployment's site config in front of `nodePorts`, on a free port. */
export async function startNginx(nodePorts: number[]): Promise<Nginx> {
  const runDir = tempDir('vaahshare-nginx-');
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(runDir, 'tmp', dir), { recursive: true });
  // Workers of a root master run as nobody: they must be able to use the temp folders.
  fs.chmodSync(runDir, 0o755);
  fs.chmodSync(path.join(runDir, 'tmp'), 0o777);
  const port = await freePort();
  const upstream = deployScript('upstream.sh', nodePorts.map((p) => `127.0.0.1:${p}`)).trimEnd();
  const site = deployScript('render.sh', ['vaahshare.conf.template', `LISTEN=127.0.0.1:${port}`, `UPSTREAM_SERVERS=${upstream}`]);
  fs.writeFileSync(path.join(runDir, 'vaahshare.conf'), site);
  const conf = path.join(runDir, 'nginx.conf');
  fs.writeFileSync(conf, deployScript('render.sh', ['standalone.conf.template', `RUN_DIR=${runDir}`]));
  const child = spawn('nginx', ['-e', path.join(runDir, 'error.log'), '-p', runDir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await fetch(`${url}/healthz`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = fs.readFileSync(path.join(runDir, 'error.log'), 'utf8');
      throw new Error(`nginx did not answer /healthz: ${stderr}${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}
