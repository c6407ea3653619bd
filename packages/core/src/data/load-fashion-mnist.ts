import type { ImageArrays } from './image-arrays';
import { loadIdxImageSet, type IdxImageSetOptions } from './internal/idx-image-set';

/** Zalando's canonical Fashion-MNIST location and the SHA-256 sums of its files. */
const FASHION_MNIST = {
  name: 'fashion-mnist',
  baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  sha256: {
    'train-images-idx3-ubyte.gz':
      '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    'train-labels-idx1-ubyte.gz':
      'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    't10k-images-idx3-ubyte.gz': '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    't10k-labels-idx1-ubyte.gz': '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  },
  classNames: [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
};

/**
 * Loads Fashion-MNIST (28x28 grayscale clothing images, 10 classes; 60,000 train, 10,000 test)
 * as {@link ImageArrays}: from `dir` if given, else the cache, else downloaded from Zalando's
 * mirror with SHA-256 checks (resumable, atomic).
 *
 * @example
 * ```ts
 * const test = await loadFashionMnist({ split: 'test' });
 * test.classNames[test.labels[0]]; // 'Ankle boot'
 * ```
 */
export async function loadFashionMnist(options: IdxImageSetOptions = {}): Promise<ImageArrays> {
  return loadIdxImageSet(FASHION_MNIST, options, null);
}
