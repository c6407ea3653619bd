import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

describe('imageFolder without sharp', () => {
  it('fails with an error that says how to install the optional peer dependency', async () => {
    vi.resetModules();
    vi.doMock('sharp', () => {
      throw new Error("Cannot find package 'sharp'");
    });
    const { imageFolder } = await import('./image-folder');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-nosharp-'));
    try {
      await expect(imageFolder(dir, { size: 8 })).rejects.toThrow(
        /imageFolder needs the optional peer dependency 'sharp' to decode images: npm install sharp/,
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
      vi.doUnmock('sharp');
    }
  });
});
