// Types of build.mjs for the TypeScript that imports it (tests, benchmarks).
export function buildCli(options?: { force?: boolean }): Promise<string>;
export function buildWeb(options?: { force?: boolean }): Promise<boolean>;
export function buildGui(options?: { force?: boolean }): Promise<boolean>;
export function guiIsFresh(): boolean;
