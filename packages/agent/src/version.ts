/**
 * The version slot: a fixed-width string that the executables' build overwrites in the bundle
 * (packages/agent/scripts/version-slot.mjs). Being fixed-width, it can be re-stamped in a built executable
 * without rebuilding it (the self-update test makes "build N+1" that way). From a checkout it stays blank.
 */
const VERSION_SLOT = '<<vaahshare-agent-version:                                                                >>';

/** This agent's build, reported in `client-connected`: `<package version>+<code hash>`, or `dev` from a checkout. */
export const AGENT_VERSION = VERSION_SLOT.slice(VERSION_SLOT.indexOf(':') + 1, -2).trim() || 'dev';

/** The build platform this agent runs on, as the server names its builds (`linux-x64`, `win-x64`, `darwin-arm64`…). */
export const AGENT_PLATFORM = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
