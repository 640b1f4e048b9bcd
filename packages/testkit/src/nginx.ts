import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
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

/** With a certificate, nginx serves the TLS site (vaahshare-tls.conf.template) instead of the plain one. */
export interface NginxOptions {
  tls?: { cert: string; key: string };
}

/** Whether nginx answers /healthz (over HTTPS, trusting the test's own certificate). */
function healthy(url: string, ca?: Buffer): Promise<boolean> {
  if (!ca) return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
  return new Promise((resolve) => {
    const request = https.get(`${url}/healthz`, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    request.on('error', () => resolve(false));
  });
}

async function renderSite(port: number, upstream: string, options: NginxOptions) {
  if (!options.tls) return { url: `http://127.0.0.1:${port}`, site: deployScript('render.sh', ['vaahshare.conf.template', `LISTEN=127.0.0.1:${port}`, `UPSTREAM_SERVERS=${upstream}`]) };
  const values = [`LISTEN_HTTPS=127.0.0.1:${port}`, `LISTEN_HTTP=127.0.0.1:${await freePort()}`, `TLS_CERT=${options.tls.cert}`, `TLS_KEY=${options.tls.key}`, `UPSTREAM_SERVERS=${upstream}`];
  return { url: `https://127.0.0.1:${port}`, site: deployScript('render.sh', ['vaahshare-tls.conf.template', ...values]) };
}

/** Debian's nginx with the deployment's site config in front of `nodePorts`, on a free port. */
export async function startNginx(nodePorts: number[], options: NginxOptions = {}): Promise<Nginx> {
  const runDir = tempDir('vaahshare-nginx-');
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(runDir, 'tmp', dir), { recursive: true });
  // Workers of a root master run as nobody: they must be able to use the temp folders.
  fs.chmodSync(runDir, 0o755);
  fs.chmodSync(path.join(runDir, 'tmp'), 0o777);
  const port = await freePort();
  const upstream = deployScript('upstream.sh', nodePorts.map((p) => `127.0.0.1:${p}`)).trimEnd();
  const { url, site } = await renderSite(port, upstream, options);
  const ca = options.tls && fs.readFileSync(options.tls.cert);
  fs.writeFileSync(path.join(runDir, 'vaahshare.conf'), site);
  const conf = path.join(runDir, 'nginx.conf');
  fs.writeFileSync(conf, deployScript('render.sh', ['standalone.conf.template', `RUN_DIR=${runDir}`]));
  const child = spawn('nginx', ['-e', path.join(runDir, 'error.log'), '-p', runDir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await healthy(url, ca))) {
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
