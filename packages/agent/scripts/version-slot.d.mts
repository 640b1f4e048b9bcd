export function stampVersion(bytes: Buffer, version: string): Buffer;
