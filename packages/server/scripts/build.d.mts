/** Types of build.mjs for the TypeScript that imports it (the benchmarks). */
export declare const serverNodeFlags: string[];
export declare function buildServer(options?: { force?: boolean }): Promise<string>;
