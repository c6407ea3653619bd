// Tests default to the pure-JS cpu backend for small numeric checks; tests that train (MNIST
// baselines) switch to wasm themselves.
import * as tf from '@tensorflow/tfjs';

tf.env().set('PROD', true); // silences the "install tfjs-node" banner; no effect on results
await tf.setBackend('cpu');
await tf.ready();
