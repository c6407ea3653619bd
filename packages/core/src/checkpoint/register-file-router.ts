import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { nodeFileSystem } from './node-file-system';

let registered = false;

/**
 * Makes `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')` work on any
 * backend, through {@link nodeFileSystem}. Does nothing when a `file://` handler already exists
 * (tfjs-node registers its own) or when called twice.
 *
 * @example
 * ```ts
 * registerFileRouter();
 * await model.save('file:///tmp/encoder');
 * const m = await tf.loadLayersModel('file:///tmp/encoder/model.json');
 * ```
 */
export function registerFileRouter(): void {
  if (registered) return;
  registered = true;
  const probe = 'file:///selfsup-probe';
  const hasSave = tf.io.getSaveHandlers(probe).length > 0;
  const hasLoad = tf.io.getLoadHandlers(probe).length > 0;
  const toDir = (url: string): string | null => {
    if (!url.startsWith('file://')) return null;
    const p = url.startsWith('file:///') ? fileURLToPath(url) : url.slice('file://'.length);
    return p.endsWith('model.json') ? p.slice(0, -'model.json'.length) : p;
  };
  if (!hasSave) {
    tf.io.registerSaveRouter((url: string | string[]) => {
      const dir = typeof url === 'string' ? toDir(url) : null;
      // tfjs's typings say IOHandler, but a router answers null for URLs it does not handle.
      return (dir === null ? null : nodeFileSystem(dir)) as tf.io.IOHandler;
    });
  }
  if (!hasLoad) {
    tf.io.registerLoadRouter((url: string | string[]) => {
      const dir = typeof url === 'string' ? toDir(url) : null;
      // tfjs's typings say IOHandler, but a router answers null for URLs it does not handle.
      return (dir === null ? null : nodeFileSystem(dir)) as tf.io.IOHandler;
    });
  }
}
