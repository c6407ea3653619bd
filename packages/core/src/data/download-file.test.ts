import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumError, downloadFile } from './index';

/** A local HTTP server with Range support and switchable faults, logging each request's Range. */
function startServer(files: Record<string, Buffer>) {
  const log: { url: string; range: string | undefined }[] = [];
  const faults = { cutAfter: 0, cutTimes: 0, ignoreRange: false };
  const server = http.createServer((req, res) => {
    log.push({ url: req.url!, range: req.headers.range });
    const body = files[req.url!.slice(1)];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !faults.ignoreRange) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'Content-Length': body.length - start,
      });
    } else {
      res.writeHead(200, { 'Content-Length': body.length });
    }
    const rest = body.subarray(start);
    if (faults.cutTimes > 0) {
      faults.cutTimes--;
      // Send part of the body, then drop the connection: an interrupted download.
      res.write(rest.subarray(0, faults.cutAfter), () =>
        setTimeout(() => res.socket?.destroy(), 20),
      );
      return;
    }
    res.end(rest);
  });
  return new Promise<{
    url: string;
    log: typeof log;
    faults: typeof faults;
    close: () => Promise<void>;
  }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        log,
        faults,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('downloadFile', () => {
  const payload = randomBytes(300_000);
  let server: Awaited<ReturnType<typeof startServer>>;
  let dir: string;

  beforeAll(async () => {
    server = await startServer({ 'data.bin': payload });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-dl-'));
  });
  afterAll(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('downloads, verifies the checksum, and reuses the cached file', async () => {
    const file = await downloadFile(`${server.url}/data.bin`, {
      cacheDir: path.join(dir, 'a'),
      sha256: sha(payload),
    });
    expect(file).toBe(path.join(dir, 'a', 'data.bin'));
    expect(Buffer.compare(await fs.readFile(file), payload)).toBe(0);
    const requests = server.log.length;
    await downloadFile(`${server.url}/data.bin`, {
      cacheDir: path.join(dir, 'a'),
      sha256: sha(payload),
    });
    expect(server.log.length).toBe(requests);
    expect(await fs.readdir(path.join(dir, 'a'))).toEqual(['data.bin']);
  });

  it('rejects a wrong checksum and leaves no file behind', async () => {
    const wrong = '0'.repeat(64);
    const err = await downloadFile(`${server.url}/data.bin`, {
      cacheDir: path.join(dir, 'b'),
      sha256: wrong,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect(err.message).toContain(`expected ${wrong}`);
    expect(err.actual).toBe(sha(payload));
    expect(await fs.readdir(path.join(dir, 'b'))).toEqual([]);
  });

  it('resumes an interrupted download with an HTTP Range request', async () => {
    server.log.length = 0;
    server.faults.cutAfter = 100_000;
    server.faults.cutTimes = 1;
    const file = await downloadFile(`${server.url}/data.bin`, {
      cacheDir: path.join(dir, 'c'),
      sha256: sha(payload),
    });
    expect(Buffer.compare(await fs.readFile(file), payload)).toBe(0);
    expect(server.log.map((r) => r.range)).toEqual([undefined, 'bytes=100000-']);
  });

  it('resumes a partial file left by an earlier process', async () => {
    server.log.length = 0;
    const sub = path.join(dir, 'd');
    await fs.mkdir(sub);
    await fs.writeFile(path.join(sub, 'data.bin.part'), payload.subarray(0, 123_456));
    const file = await downloadFile(`${server.url}/data.bin`, {
      cacheDir: sub,
      sha256: sha(payload),
    });
    expect(Buffer.compare(await fs.readFile(file), payload)).toBe(0);
    expect(server.log.map((r) => r.range)).toEqual(['bytes=123456-']);
  });

  it('starts over when the server ignores the Range header', async () => {
    server.log.length = 0;
    server.faults.ignoreRange = true;
    const sub = path.join(dir, 'e');
    await fs.mkdir(sub);
    await fs.writeFile(path.join(sub, 'data.bin.part'), payload.subarray(0, 5000));
    try {
      const file = await downloadFile(`${server.url}/data.bin`, {
        cacheDir: sub,
        sha256: sha(payload),
      });
      expect(Buffer.compare(await fs.readFile(file), payload)).toBe(0);
    } finally {
      server.faults.ignoreRange = false;
    }
  });

  it('lets concurrent downloads of one file wait for each other (one request)', async () => {
    server.log.length = 0;
    const options = { cacheDir: path.join(dir, 'g'), sha256: sha(payload) };
    const files = await Promise.all(
      [1, 2, 3].map(() => downloadFile(`${server.url}/data.bin`, options)),
    );
    expect(new Set(files).size).toBe(1);
    expect(server.log).toHaveLength(1);
    expect(await fs.readdir(path.join(dir, 'g'))).toEqual(['data.bin']);
  });

  it('fails clearly on HTTP 404 without retrying', async () => {
    server.log.length = 0;
    await expect(
      downloadFile(`${server.url}/missing.bin`, { cacheDir: path.join(dir, 'f') }),
    ).rejects.toThrow(/HTTP 404/);
    expect(server.log).toHaveLength(1);
  });
});
