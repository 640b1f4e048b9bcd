export function dropFromPageCache(file: string): void;
