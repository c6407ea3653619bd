import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

export interface FileRecord {
  bytes: number;
  sha256: string;
}

/** Writes a file and fsyncs it before returning its size and SHA-256. */
export async function writeDurable(file: string, data: Uint8Array | string): Promise<FileRecord> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
