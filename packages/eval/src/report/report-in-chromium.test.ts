// Renders a full report in headless Chromium (Debian's `chromium`): the DOM must hold every plot
// and the screenshot must show them. Skips with a message where Chromium is absent.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { createRng } from '@selfsup/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorOf } from './palette';
import { sampleReportOptions } from './sample-report';
import { writeReport } from './write-report';

const run = promisify(execFile);
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const chromium = CANDIDATES.find((p): p is string => !!p && existsSync(p));
const SKIP_NOTE =
  'chromium not found (looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser); ' +
  'install it with `apt-get install -y chromium` to run the report rendering test';

async function headless(args: string[], profile: string): Promise<string> {
  const { stdout } = await run(
    chromium as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  return stdout;
}

/** Minimal PNG decoder (8-bit RGB / RGBA, non-interlaced): enough to inspect a screenshot. */
function decodePng(png: Buffer): {
  width: number;
  height: number;
  rgb: (x: number, y: number) => number[];
} {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8]).toBe(8); // bit depth
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
      expect(body[12]).toBe(0); // not interlaced
    } else if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + i] = v & 0xff;
    }
  }
  return {
    width,
    height,
    rgb: (x, y) =>
      Array.from(pixels.subarray(y * stride + x * channels, y * stride + x * channels + 3)),
  };
}

describe('report rendered in headless Chromium', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'selfsup-chromium-'));
  });
  afterAll(async () => {
    if (process.env.SELFSUP_KEEP_REPORT) console.log(`report kept in ${dir}`);
    else if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('has every plot in the DOM and on screen', async (ctx) => {
    if (!chromium) {
      console.warn(SKIP_NOTE);
      ctx.skip(SKIP_NOTE);
      return;
    }
    const { htmlPath } = await writeReport(sampleReportOptions(join(dir, 'run')), createRng(0));
    const url = `file://${htmlPath}`;

    const dom = await headless(['--dump-dom', url], join(dir, 'profile-dom'));
    const charts = [...dom.matchAll(/<svg[^>]*data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(charts).toEqual([
      'loss',
      'lr',
      'knn',
      'metric-gradNorm',
      'metric-samplesPerSecond',
      'results',
      'embedding',
    ]);
    expect(dom.match(/<polyline/g)?.length).toBe(5); // loss, lr, kNN, gradNorm, throughput
    expect(dom.match(/<circle class="point"/g)?.length).toBe(300); // UMAP points
    expect(dom.match(/<rect class="bar"/g)?.length).toBe(6); // 3 encoders x (probe, kNN)
    expect(dom.match(/<tr>/g)?.length).toBe(1 + 3 + 4); // results header + rows, diagnostics
    expect(dom).toContain('SimCLR &lt;test&gt;');
    // The parser did not swallow anything: the last section is complete.
    expect(dom).toMatch(/300 points\.<\/p>\s*<\/section>\s*<\/body>/);

    const shot = join(dir, 'report.png');
    await headless(
      ['--screenshot=' + shot, '--window-size=1200,2000', '--hide-scrollbars', url],
      join(dir, 'profile-shot'),
    );
    const png = decodePng(await readFile(shot));
    expect([png.width, png.height]).toEqual([1200, 2000]);
    // Count pixels of the series colours: curves and bars must actually be drawn.
    const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
    const near = (p: number[], q: number[]) => p.every((v, i) => Math.abs(v - q[i]) < 24);
    const blue = hex(colorOf(0));
    const orange = hex(colorOf(1));
    let blueCount = 0;
    let orangeCount = 0;
    let nonWhite = 0;
    for (let y = 0; y < png.height; y += 2) {
      for (let x = 0; x < png.width; x += 2) {
        const p = png.rgb(x, y);
        if (near(p, blue)) blueCount++;
        if (near(p, orange)) orangeCount++;
        if (p.some((v) => v < 235)) nonWhite++;
      }
    }
    expect(blueCount).toBeGreaterThan(2000);
    expect(orangeCount).toBeGreaterThan(1000); // kNN bars
    expect(nonWhite).toBeGreaterThan(20_000);
  });
});
