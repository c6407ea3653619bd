type WaveFileCtor = new (bytes?: Uint8Array) => {
  fmt: object;
  toBitDepth(depth: string): void;
  getSamples(interleaved?: boolean, OutputObject?: unknown): Float64Array | Float64Array[];
};
let waveFile: Promise<WaveFileCtor> | undefined;

async function loadWaveFile(): Promise<WaveFileCtor> {
  waveFile ??= import('wavefile').then((m) => {
    const mod = m as unknown as { WaveFile?: WaveFileCtor; default?: { WaveFile?: WaveFileCtor } };
    const ctor = mod.WaveFile ?? mod.default?.WaveFile;
    if (!ctor) throw new Error('wavFolder: the wavefile package does not export WaveFile');
    return ctor;
  });
  return waveFile;
}

/**
 * Decodes WAV bytes (PCM 8 to 32 bit, float, a-law, mu-law, IMA ADPCM; via the wavefile package)
 * to mono float samples in [-1, 1] (channels averaged) and the file's sample rate. Called with
 * `null`, only checks that the decoder loads.
 *
 * @example
 * ```ts
 * const { samples, sampleRate } = await decodeWav(await fs.readFile('a.wav'));
 * ```
 */
export async function decodeWav(
  bytes: Uint8Array,
): Promise<{ samples: Float32Array; sampleRate: number }>;
export async function decodeWav(bytes: null): Promise<null>;
export async function decodeWav(
  bytes: Uint8Array | null,
): Promise<{ samples: Float32Array; sampleRate: number } | null> {
  const WaveFile = await loadWaveFile();
  if (bytes === null) return null;
  const wav = new WaveFile(bytes);
  const { numChannels, sampleRate } = wav.fmt as { numChannels: number; sampleRate: number };
  if (!(sampleRate > 0) || !(numChannels > 0))
    throw new Error('WAV header without a valid sample rate or channel count');
  wav.toBitDepth('32f'); // also decodes compressed formats
  const raw = wav.getSamples(false, Float64Array);
  const channels = Array.isArray(raw) ? raw : [raw];
  const length = channels[0].length;
  if (length === 0) throw new Error('WAV file has no samples');
  const mono = new Float32Array(length);
  for (const ch of channels) for (let i = 0; i < length; i++) mono[i] += ch[i] / channels.length;
  return { samples: mono, sampleRate };
}
