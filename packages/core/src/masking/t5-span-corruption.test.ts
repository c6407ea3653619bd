import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { t5SpanCorruption } from './t5-span-corruption';

const EXTRA_ID_0 = 32099; // t5-base: len(tokenizer) = 32100
const EOS = 1;

function randomIds(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  return Int32Array.from({ length: n }, () => 2 + rng.int(31998)); // ordinary tokens in [2, 32000)
}

/** Undoes the corruption: each input sentinel is replaced by the target tokens after it. */
function reconstruct(
  input: number[],
  target: number[],
  isSentinel: (id: number) => boolean,
): number[] {
  const fill = new Map<number, number[]>();
  let current = -1;
  for (const id of target) {
    if (isSentinel(id)) {
      current = id;
      fill.set(id, []);
    } else if (current !== -1) fill.get(current)?.push(id);
  }
  return input.flatMap((id) => (isSentinel(id) ? (fill.get(id) ?? []) : [id]));
}

/**
 * HF's create_sentinel_ids + filter_input_ids on plain arrays (roll, cumsum, negative markers,
 * keep ids >= 0), used as an independent reference.
 */
function hfFilter(ids: number[], mask: number[], eos: number): number[] {
  const start = mask.map((m, i) => m - (i === 0 ? 0 : mask[i - 1]) * m);
  start[0] = mask[0];
  let acc = 0;
  const cum = start.map((s) => (acc += s));
  const sentinel = start.map((s, i) => (s !== 0 ? cum[i] : 0));
  const ids2 = sentinel.map((s, i) => (s !== 0 ? EXTRA_ID_0 + 1 - s : 0) - (mask[i] - start[i]));
  const full = ids2.map((s, i) => (s !== 0 ? s : ids[i]));
  return [...full.filter((v) => v >= 0), eos];
}

describe('t5SpanCorruption', () => {
  it('gives HF run_t5_mlm_flax lengths: 568 tokens -> 512 inputs and 114 targets', () => {
    // 85 noise tokens in 28 spans: inputs 483 + 28 + eos, targets 85 + 28 + eos.
    const out = t5SpanCorruption(
      randomIds(568, 0),
      { sentinelStartId: EXTRA_ID_0, eosId: EOS },
      createRng(0),
    );
    expect(out.inputLength).toBe(512);
    expect(out.targetLength).toBe(114);
    expect(out.inputIds.length).toBe(512);
    expect(out.targetIds.length).toBe(114);
    expect(out.inputIds[511]).toBe(EOS);
    expect(out.targetIds[113]).toBe(EOS);
  });

  it('recovers the original sequence from inputs and targets', () => {
    const rng = createRng(1);
    const isSentinel = (id: number) => id > EXTRA_ID_0 - 100 && id <= EXTRA_ID_0;
    for (const n of [10, 100, 512, 568]) {
      const ids = randomIds(n, n);
      const out = t5SpanCorruption(ids, { sentinelStartId: EXTRA_ID_0, eosId: EOS }, rng);
      const input = Array.from(out.inputIds).slice(0, -1);
      const target = Array.from(out.targetIds).slice(0, -1);
      expect(reconstruct(input, target, isSentinel)).toEqual(Array.from(ids));
    }
  });

  it('numbers sentinels from <extra_id_0> downwards, in the same order in inputs and targets', () => {
    const out = t5SpanCorruption(randomIds(200, 3), { sentinelStartId: EXTRA_ID_0 }, createRng(3));
    const sentinelsIn = Array.from(out.inputIds).filter((id) => id >= 32000);
    const sentinelsTg = Array.from(out.targetIds).filter((id) => id >= 32000);
    const spans = 10; // round(30 / 3)
    const expected = Array.from({ length: spans }, (_, k) => EXTRA_ID_0 - k);
    expect(sentinelsIn).toEqual(expected);
    expect(sentinelsTg).toEqual(expected);
    expect(out.targetIds[0]).toBe(EXTRA_ID_0); // targets open with the first sentinel
    expect(out.inputIds[0]).toBeLessThan(32000); // inputs open with a kept token
    expect(out.inputLength).toBe(170 + spans); // no eos requested
    expect(out.targetLength).toBe(30 + spans);

    // Counting up from an id above the ordinary tokens.
    const up = t5SpanCorruption(
      randomIds(200, 3),
      { sentinelStartId: 40000, sentinelStep: 1 },
      createRng(3),
    );
    expect(Array.from(up.targetIds).filter((id) => id >= 40000)).toEqual(
      Array.from({ length: spans }, (_, k) => 40000 + k),
    );
  });

  it("matches HF's array implementation of create_sentinel_ids and filter_input_ids", () => {
    for (let seed = 0; seed < 10; seed++) {
      const ids = randomIds(120, seed);
      // Ids 0 are kept: HF's current filter keeps ids >= 0.
      ids[5] = 0;
      const out = t5SpanCorruption(
        ids,
        { sentinelStartId: EXTRA_ID_0, eosId: EOS },
        createRng(seed),
      );
      const mask = Array.from(out.noiseMask);
      const idsArr = Array.from(ids);
      expect(Array.from(out.inputIds)).toEqual(hfFilter(idsArr, mask, EOS));
      expect(Array.from(out.targetIds)).toEqual(
        hfFilter(
          idsArr,
          mask.map((m) => 1 - m),
          EOS,
        ),
      );
    }
  });

  it('corrupts each row of a batch independently with equal lengths', () => {
    const ids = randomIds(4 * 100, 9);
    const out = t5SpanCorruption(
      ids,
      { sentinelStartId: EXTRA_ID_0, eosId: EOS, sequenceLength: 100 },
      createRng(9),
    );
    expect(out.batch).toBe(4);
    expect(out.inputIds.length).toBe(4 * out.inputLength);
    expect(out.targetIds.length).toBe(4 * out.targetLength);
    const rows = [0, 1, 2, 3].map((b) =>
      Array.from(out.noiseMask.subarray(b * 100, (b + 1) * 100)).join(''),
    );
    expect(new Set(rows).size).toBe(4);
    const isSentinel = (id: number) => id > EXTRA_ID_0 - 100 && id <= EXTRA_ID_0;
    for (let b = 0; b < 4; b++) {
      const input = Array.from(
        out.inputIds.subarray(b * out.inputLength, (b + 1) * out.inputLength - 1),
      );
      const target = Array.from(
        out.targetIds.subarray(b * out.targetLength, (b + 1) * out.targetLength - 1),
      );
      expect(reconstruct(input, target, isSentinel)).toEqual(
        Array.from(ids.subarray(b * 100, (b + 1) * 100)),
      );
    }
  });

  it('uses T5 defaults (density 0.15, mean span 3) and is reproducible', () => {
    const ids = randomIds(512, 4);
    const a = t5SpanCorruption(ids, { sentinelStartId: EXTRA_ID_0, eosId: EOS }, createRng(4));
    const b = t5SpanCorruption(ids, { sentinelStartId: EXTRA_ID_0, eosId: EOS }, createRng(4));
    const c = t5SpanCorruption(ids, { sentinelStartId: EXTRA_ID_0, eosId: EOS }, createRng(5));
    expect(a.noiseMask.reduce((s, v) => s + v, 0)).toBe(77);
    expect(a.inputLength).toBe(512 - 77 + 26 + 1);
    expect(Array.from(a.inputIds)).toEqual(Array.from(b.inputIds));
    expect(Array.from(a.inputIds)).not.toEqual(Array.from(c.inputIds));
  });

  it('rejects invalid arguments', () => {
    const ids = randomIds(100, 0);
    expect(() =>
      t5SpanCorruption(ids, { sentinelStartId: EXTRA_ID_0, sequenceLength: 30 }),
    ).toThrow(/sequenceLength/);
    expect(() => t5SpanCorruption(ids, { sentinelStartId: 2 })).toThrow(/below 0/);
    expect(() => t5SpanCorruption(ids, { sentinelStartId: -1 })).toThrow(/sentinelStartId/);
  });
});
