import fs from 'node:fs';

/**
 * `statfs` types (linux/magic.h) of file systems where a write may wait on the network: NFS mounted `sync`, as
 * deploy/README.md asks, makes every write a round trip to the server.
 */
const NETWORK_FILE_SYSTEMS = new Map<number, string>([
  [0x6969, 'NFS'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x517b, 'SMB'],
  [0x00c36400, 'CephFS'],
  [0x65735546, 'FUSE (GlusterFS, …)'],
  [0x0bd00bd0, 'Lustre'],
  [0x47504653, 'GPFS'],
  [0x6b414653, 'AFS'],
]);

/** The name of the network file system `dir` is on, or null (a local disk; any OS other than Linux). */
export async function networkFileSystemOf(dir: string): Promise<string | null> {
  const { type } = await fs.promises.statfs(dir);
  return NETWORK_FILE_SYSTEMS.get(type) ?? null;
}
