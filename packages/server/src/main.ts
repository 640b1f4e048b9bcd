import { guessServerUrl } from './agent-downloads/index.js';
import { buildApp } from './app.js';
import { describeBootstrap } from './auth/index.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './infra/logging.js';

async function main() {
  const config = loadConfig();
  const server = await buildApp(config, { loggerInstance: (await createLogger(config.LOG_LEVEL)).logger });
  await server.listen();
  const { port } = server.app.server.address() as { port: number };
  const url = config.PUBLIC_URL ?? guessServerUrl(config.HOST, port);
  const banner = describeBootstrap(server.bootstrapResult, { url, configured: Boolean(config.PUBLIC_URL) });
  // Last, so that it is what a terminal shows once the server is up.
  process.stdout.write(`${banner ? `${banner}\n` : ''}VaahShare is running at ${url} (Ctrl-C stops it)\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.ctx.log.info({ signal }, 'shutting down');
    const forced = setTimeout(() => process.exit(1), 10_000);
    forced.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.ctx.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`VaahShare server failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exit(1);
});
