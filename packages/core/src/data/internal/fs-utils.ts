import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';

/** SHA-256 (hex) of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** fsync of a directory, so that a rename in it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Some filesystems do not allow fsync on directories; the rename is still atomic.
  }
}
