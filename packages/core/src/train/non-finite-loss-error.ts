/**
 * Thrown by the Trainer when a loss (or the gradient norm) is NaN or infinite: training stops
 * before the bad update is applied, so the weights are those after the previous step.
 *
 * @example
 * ```ts
 * try {
 *   await trainer.fit();
 * } catch (e) {
 *   if (e instanceof NonFiniteLossError) console.error(e.step, e.which, e.lastCheckpoint);
 * }
 * ```
 */
export class NonFiniteLossError extends Error {
  constructor(
    /** 1-based index of the update that was not applied. */
    readonly step: number,
    readonly epoch: number,
    /** What was not finite: `'loss'` or `'gradient norm'`. */
    readonly which: string,
    readonly value: number,
    /** The newest checkpoint written before the failure, or null. */
    readonly lastCheckpoint: string | null,
    /** The step's named metrics (the non-finite ones say which loss term failed). */
    readonly metrics: Record<string, number>,
    details: string,
  ) {
    const bad = Object.entries(metrics)
      .filter(([, v]) => !Number.isFinite(v))
      .map(([k, v]) => `${k} = ${v}`);
    super(
      `Training stopped: ${which} is ${value} at step ${step} (epoch ${epoch}${details}). ` +
        (bad.length ? `Non-finite terms: ${bad.join(', ')}. ` : '') +
        `The update was not applied; the weights are those after step ${step - 1}. ` +
        `Last good checkpoint: ${lastCheckpoint ?? 'none (set runDir and checkpointEvery to keep some)'}. ` +
        'Try a lower learning rate, gradient clipping (clipNorm), or check the input data.',
    );
    this.name = 'NonFiniteLossError';
  }
}
