import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { bertMasking } from './bert-masking';

const CLS = 101;
const SEP = 102;
const MASK = 103;
const PAD = 0;
const VOCAB = 30522;
const OPTS = { specialIds: [CLS, SEP, MASK], padId: PAD, vocabSize: VOCAB, maskId: MASK };

/** Rows of [CLS] tokens... [SEP] [PAD]...: 10% special, ~10% padding. */
function makeBatch(rows: number, seqLen: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const ids = new Int32Array(rows * seqLen);
  for (let b = 0; b < rows; b++) {
    const len = seqLen - rng.int(Math.floor(seqLen / 5));
    for (let i = 0; i < seqLen; i++) {
      let id = PAD;
      if (i === 0) id = CLS;
      else if (i === len - 1) id = SEP;
      else if (i < len - 1) id = 1000 + rng.int(29000);
      ids[b * seqLen + i] = id;
    }
  }
  return ids;
}

describe('bertMasking', () => {
  it('chooses 15% of maskable tokens and splits them 80 / 10 / 10', () => {
    const ids = makeBatch(2000, 128, 0); // 256k positions, ~230k maskable
    const { inputIds, labels } = bertMasking(ids, OPTS, createRng(0));
    let maskable = 0;
    let chosen = 0;
    let masked = 0;
    let random = 0;
    let unchanged = 0;
    // Violations are counted rather than asserted per token (256k expect calls are slow).
    let specialTouched = 0;
    let unchosenChanged = 0;
    let wrongLabel = 0;
    for (let i = 0; i < ids.length; i++) {
      const special = ids[i] === CLS || ids[i] === SEP || ids[i] === PAD;
      if (special) {
        // Special tokens and padding are never chosen nor changed.
        if (labels[i] !== -100 || inputIds[i] !== ids[i]) specialTouched++;
        continue;
      }
      maskable++;
      if (labels[i] === -100) {
        if (inputIds[i] !== ids[i]) unchosenChanged++;
        continue;
      }
      if (labels[i] !== ids[i]) wrongLabel++;
      chosen++;
      if (inputIds[i] === MASK) masked++;
      else if (inputIds[i] !== ids[i]) random++;
      else unchanged++;
    }
    expect(specialTouched).toBe(0);
    expect(unchosenChanged).toBe(0);
    expect(wrongLabel).toBe(0);
    expect(maskable).toBeGreaterThan(200000);
    // Tolerances: chosen fraction 0.15 +- 0.005 (std 0.0007); of the ~35k chosen,
    // 0.8 / 0.1 / 0.1 +- 0.01 (std <= 0.0021). A random draw equals the original or [MASK] with
    // probability 2 / 30522, which is far inside the tolerance.
    expect(Math.abs(chosen / maskable - 0.15)).toBeLessThan(0.005);
    expect(Math.abs(masked / chosen - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(random / chosen - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(unchanged / chosen - 0.1)).toBeLessThan(0.01);
  });

  it('chooses tokens independently (the count per row varies)', () => {
    const ids = makeBatch(200, 64, 1);
    const { labels } = bertMasking(ids, OPTS, createRng(1));
    const perRow = new Set<number>();
    for (let b = 0; b < 200; b++) {
      let n = 0;
      for (let i = 0; i < 64; i++) if (labels[b * 64 + i] !== -100) n++;
      perRow.add(n);
    }
    expect(perRow.size).toBeGreaterThan(5);
  });

  it('draws random replacements uniformly over the vocabulary', () => {
    // Every token chosen and randomly replaced: values ~ uniform over [0, 8).
    const ids = new Int32Array(80000).fill(5);
    const { inputIds } = bertMasking(
      ids,
      {
        specialIds: [],
        vocabSize: 8,
        maskId: 7,
        mlmProbability: 1,
        maskReplaceProb: 0,
        randomReplaceProb: 1,
      },
      createRng(2),
    );
    const counts = new Array<number>(8).fill(0);
    for (const v of inputIds) counts[v]++;
    // Each ~ 10000 (std 94); tolerance 500.
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
  });

  it('supports mask_replace_prob = 1 and random_replace_prob = 0', () => {
    const ids = makeBatch(100, 64, 3);
    const all = bertMasking(
      ids,
      { ...OPTS, maskReplaceProb: 1, randomReplaceProb: 0 },
      createRng(3),
    );
    const none = bertMasking(
      ids,
      { ...OPTS, maskReplaceProb: 0.5, randomReplaceProb: 0 },
      createRng(3),
    );
    let chosenAll = 0;
    let maskedNone = 0;
    let chosenNone = 0;
    for (let i = 0; i < ids.length; i++) {
      if (all.labels[i] !== -100) {
        chosenAll++;
        expect(all.inputIds[i]).toBe(MASK);
      }
      if (none.labels[i] !== -100) {
        chosenNone++;
        expect([MASK, ids[i]]).toContain(none.inputIds[i]);
        if (none.inputIds[i] === MASK) maskedNone++;
      }
    }
    expect(chosenAll).toBeGreaterThan(0);
    expect(Math.abs(maskedNone / chosenNone - 0.5)).toBeLessThan(0.06);
  });

  it('leaves its input untouched and is reproducible per seed', () => {
    const ids = makeBatch(10, 32, 4);
    const copy = Int32Array.from(ids);
    const a = bertMasking(ids, OPTS, createRng(4));
    const b = bertMasking(ids, OPTS, createRng(4));
    const c = bertMasking(ids, OPTS, createRng(5));
    expect(Array.from(ids)).toEqual(Array.from(copy));
    expect(Array.from(a.inputIds)).toEqual(Array.from(b.inputIds));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.labels)).not.toEqual(Array.from(c.labels));
  });

  it('rejects invalid arguments', () => {
    const ids = new Int32Array([1, 2, 3]);
    expect(() => bertMasking(ids, { ...OPTS, mlmProbability: 2 })).toThrow(/mlmProbability/);
    expect(() => bertMasking(ids, { ...OPTS, vocabSize: 0 })).toThrow(/vocabSize/);
    expect(() =>
      bertMasking(ids, { ...OPTS, maskReplaceProb: 0.8, randomReplaceProb: 0.3 }),
    ).toThrow(/<= 1/);
  });
});
