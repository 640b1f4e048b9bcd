// Set by the executables' build (esbuild `define`, packages/agent/scripts/build-executables.mjs).
declare const __VAAHSHARE_AGENT_VERSION__: string | undefined;

/** This agent's build, reported in `client-connected`: `<package version>+<code hash>`, or `dev` from a checkout. */
export const AGENT_VERSION = typeof __VAAHSHARE_AGENT_VERSION__ === 'string' ? __VAAHSHARE_AGENT_VERSION__ : 'dev';
