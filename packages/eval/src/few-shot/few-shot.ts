import { resolveRng, type Rng } from '@selfsup/core';
import { toInt32Labels } from '../internal/to-labels';
import { toMatrix } from '../internal/to-matrix';
import type { EmbeddingInput, LabelsLike } from '../types';

/** Options of {@link fewShot}. */
export interface FewShotOptions {
  /** Classes per episode (N). Default 5. */
  ways?: number;
  /** Labelled support examples per class (K). Default 5. */
  shots?: number;
  /** Query examples per class. Default 15. */
  queries?: number;
  /** Episodes averaged. Default 600. */
  episodes?: number;
  /**
   * `'cosine'` (default): features are L2-normalized, prototypes are means of normalized support
   * features, and similarity is the cosine. `'euclidean'`: raw features, prototypes are plain
   * means, and similarity is minus the squared Euclidean distance (Prototypical Networks).
   */
  metric?: 'cosine' | 'euclidean';
}

/** Mean episode accuracy with its 95% confidence interval. */
export interface FewShotAccuracy {
  /** Mean accuracy over episodes, in [0, 1]. */
  mean: number;
  /** Standard deviation of the episode accuracies (population, ddof 0). */
  std: number;
  /** Half-width of the 95% interval: `1.96 * std / sqrt(episodes)`. */
  ci95: number;
  /** Accuracy of each episode. */
  accuracies: Float64Array;
}

/** Result of {@link fewShot}. */
export interface FewShotResult {
  /** Nearest class prototype (mean support embedding). */
  prototype: FewShotAccuracy;
  /** Nearest single support example (1-NN). */
  nearestNeighbour: FewShotAccuracy;
  ways: number;
  shots: number;
  queries: number;
  episodes: number;
  metric: 'cosine' | 'euclidean';
}

function summarize(accuracies: Float64Array): FewShotAccuracy {
  const n = accuracies.length;
  let mean = 0;
  for (const a of accuracies) mean += a;
  mean /= n;
  let v = 0;
  for (const a of accuracies) v += (a - mean) * (a - mean);
  const std = Math.sqrt(v / n);
  return { mean, std, ci95: (1.96 * std) / Math.sqrt(n), accuracies };
}

/**
 * N-way K-shot evaluation on frozen features: each episode draws `ways` classes (among those with
 * at least `shots + queries` examples), then `shots` support and `queries` query examples of each,
 * without replacement; queries are classified by the nearest prototype and by the nearest support
 * example. Reports the mean accuracy over episodes with a 95% confidence interval
 * (`1.96 * std / sqrt(episodes)`), as in the few-shot literature. Plain JS; seeded by `rng`.
 *
 * @example
 * ```ts
 * import { fewShot } from '@selfsup/eval';
 * import { createRng } from '@selfsup/core';
 *
 * const feats = await extractFeatures(encoder, split);
 * const r = fewShot(feats, feats.labels, { ways: 5, shots: 1, episodes: 600 }, createRng(0));
 * console.log(`${(100 * r.prototype.mean).toFixed(1)} +- ${(100 * r.prototype.ci95).toFixed(1)}`);
 * ```
 */
export function fewShot(
  features: EmbeddingInput,
  labels: LabelsLike,
  options: FewShotOptions = {},
  rng?: Rng,
): FewShotResult {
  const ways = options.ways ?? 5;
  const shots = options.shots ?? 5;
  const queries = options.queries ?? 15;
  const episodes = options.episodes ?? 600;
  const metric = options.metric ?? 'cosine';
  for (const [name, v] of Object.entries({ ways, shots, queries, episodes })) {
    if (!Number.isInteger(v) || v <= 0)
      throw new Error(`fewShot: ${name} must be a positive integer, got ${v}`);
  }
  if (ways < 2) throw new Error(`fewShot: ways must be >= 2, got ${ways}`);
  if (metric !== 'cosine' && metric !== 'euclidean') {
    throw new Error(`fewShot: metric must be 'cosine' or 'euclidean', got ${String(metric)}`);
  }
  const r = resolveRng(rng);
  const m = toMatrix(features, 'fewShot');
  const y = toInt32Labels(labels, 'fewShot');
  if (y.length !== m.rows)
    throw new Error(`fewShot: ${m.rows} feature rows but ${y.length} labels`);
  const d = m.cols;

  // Work on float64 copies; normalized once for the cosine metric.
  const x = Float64Array.from(m.data);
  if (metric === 'cosine') {
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
      const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
      for (let j = 0; j < d; j++) x[i * d + j] *= inv;
    }
  }
  const byClass = new Map<number, number[]>();
  y.forEach((c, i) => {
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  });
  const perClass = shots + queries;
  const eligible = [...byClass.keys()]
    .filter((c) => (byClass.get(c) as number[]).length >= perClass)
    .sort((a, b) => a - b);
  if (eligible.length < ways) {
    throw new Error(
      `fewShot: ${ways}-way episodes need ${ways} classes with >= ${perClass} examples (shots + queries), found ${eligible.length}`,
    );
  }

  const score = (q: number, v: Float64Array, off: number): number => {
    let s = 0;
    if (metric === 'cosine') {
      for (let j = 0; j < d; j++) s += x[q * d + j] * v[off + j];
      return s;
    }
    for (let j = 0; j < d; j++) {
      const t = x[q * d + j] - v[off + j];
      s += t * t;
    }
    return -s;
  };

  const protoAcc = new Float64Array(episodes);
  const nnAcc = new Float64Array(episodes);
  const protos = new Float64Array(ways * d);
  const support = new Float64Array(ways * shots * d);
  const classes = eligible.slice();
  for (let e = 0; e < episodes; e++) {
    // Partial Fisher-Yates: the first `ways` entries are a uniform sample of classes.
    for (let i = 0; i < ways; i++) {
      const j = i + r.int(classes.length - i);
      [classes[i], classes[j]] = [classes[j], classes[i]];
    }
    const queryRows: number[] = [];
    const queryClass: number[] = [];
    protos.fill(0);
    for (let w = 0; w < ways; w++) {
      const rows = (byClass.get(classes[w]) as number[]).slice();
      for (let i = 0; i < perClass; i++) {
        const j = i + r.int(rows.length - i);
        [rows[i], rows[j]] = [rows[j], rows[i]];
      }
      for (let s = 0; s < shots; s++) {
        const row = rows[s];
        for (let j = 0; j < d; j++) {
          support[(w * shots + s) * d + j] = x[row * d + j];
          protos[w * d + j] += x[row * d + j] / shots;
        }
      }
      for (let q = shots; q < perClass; q++) {
        queryRows.push(rows[q]);
        queryClass.push(w);
      }
    }
    if (metric === 'cosine') {
      for (let w = 0; w < ways; w++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += protos[w * d + j] * protos[w * d + j];
        const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
        for (let j = 0; j < d; j++) protos[w * d + j] *= inv;
      }
    }
    let protoHits = 0;
    let nnHits = 0;
    queryRows.forEach((q, qi) => {
      let bestProto = 0;
      let bestProtoScore = -Infinity;
      for (let w = 0; w < ways; w++) {
        const s = score(q, protos, w * d);
        if (s > bestProtoScore) {
          bestProtoScore = s;
          bestProto = w;
        }
      }
      let bestNn = 0;
      let bestNnScore = -Infinity;
      for (let i = 0; i < ways * shots; i++) {
        const s = score(q, support, i * d);
        if (s > bestNnScore) {
          bestNnScore = s;
          bestNn = Math.floor(i / shots);
        }
      }
      if (bestProto === queryClass[qi]) protoHits++;
      if (bestNn === queryClass[qi]) nnHits++;
    });
    protoAcc[e] = protoHits / queryRows.length;
    nnAcc[e] = nnHits / queryRows.length;
  }
  return {
    prototype: summarize(protoAcc),
    nearestNeighbour: summarize(nnAcc),
    ways,
    shots,
    queries,
    episodes,
    metric,
  };
}
