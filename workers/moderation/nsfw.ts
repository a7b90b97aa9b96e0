// NSFW scoring with nsfwjs and the MobileNetV2 model bundled inside the
// nsfwjs package (its weights ship as JS modules): nothing is fetched.
// TensorFlow.js backend, best first: `tensorflow` (@tensorflow/tfjs-node, an
// optional dependency whose native binding often does not load), `wasm`
// (@tensorflow/tfjs-backend-wasm, its .wasm files read from node_modules),
// then the pure-JS `cpu` backend. The model is loaded once per process, and
// run with its batch norms and ReLUs folded into its convolutions
// (nsfw-fused.ts: the same scores, about a third of the time on wasm).
import path from 'node:path';
import { createRequire } from 'node:module';
import type { GraphModel, LayersModel } from '@tensorflow/tfjs';
import type { Logger } from '../../shared/logger.js';
import type { FusedModel } from './nsfw-fused.js';

export type NsfwBackend = 'tensorflow' | 'wasm' | 'cpu';

export interface NsfwScores {
  drawing: number;
  hentai: number;
  neutral: number;
  porn: number;
  sexy: number;
}

/** Packed 8-bit RGB, NSFW_INPUT_SIZE square (the pipeline makes it). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface NsfwClassifier {
  readonly backend: NsfwBackend;
  classify(image: RgbImage): Promise<NsfwScores>;
}

export const NSFW_INPUT_SIZE = 224;

/**
 * One number for the decision: the probability of explicit content (porn or
 * hentai) plus a third of "sexy" (suggestive, e.g. swimwear), so a swimsuit
 * photo alone stays under the default review threshold while explicit content
 * crosses it. In [0, 1].
 */
export function nsfwScore(s: NsfwScores): number {
  return Math.min(1, s.porn + s.hentai + 0.3 * s.sexy);
}

let loaded: Promise<NsfwClassifier> | undefined;

/** The process's classifier; the first call loads the model, later calls share it. */
export function loadNsfwClassifier(logger: Logger, opts: { backend?: NsfwBackend | 'auto' } = {}): Promise<NsfwClassifier> {
  loaded ??= load(logger, opts.backend ?? 'auto').catch((err) => {
    loaded = undefined; // a later job may try again
    throw err;
  });
  return loaded;
}

async function load(logger: Logger, wanted: NsfwBackend | 'auto'): Promise<NsfwClassifier> {
  const started = Date.now();
  const backend = await selectBackend(logger, wanted);
  const tf = await import('@tensorflow/tfjs');
  const nsfwjs = await import('nsfwjs');
  // nsfwjs announces the model it loads on console.info; keep our logs structured.
  const info = console.info;
  console.info = () => {};
  let model: Awaited<ReturnType<typeof nsfwjs.load>>;
  try {
    model = await nsfwjs.load('MobileNetV2');
  } finally {
    console.info = info;
  }
  const fused = await fuse(tf, model.model, logger);
  if (fused) {
    // The first inference builds the convolutions' kernels: at load, not in the first job.
    const warm = tf.tidy(() => fused(tf.zeros([1, NSFW_INPUT_SIZE, NSFW_INPUT_SIZE, 3], 'int32')));
    await warm.data();
    warm.dispose();
  }
  logger.info({ backend, fused: fused !== null, ms: Date.now() - started }, 'NSFW model loaded (bundled MobileNetV2)');
  const CLASS: Record<string, keyof NsfwScores> = { Drawing: 'drawing', Hentai: 'hentai', Neutral: 'neutral', Porn: 'porn', Sexy: 'sexy' };
  return {
    backend,
    async classify(image) {
      const scores: NsfwScores = { drawing: 0, hentai: 0, neutral: 0, porn: 0, sexy: 0 };
      const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
      try {
        if (fused) {
          const probabilities = tf.tidy(() => fused(input.expandDims(0)));
          const p = await probabilities.data();
          probabilities.dispose();
          OUTPUT_CLASSES.forEach((name, i) => (scores[CLASS[name]] = p[i]));
          return scores;
        }
        const predictions = await model.classify(input, 5);
        for (const p of predictions) scores[CLASS[p.className]] = p.probability;
        return scores;
      } finally {
        input.dispose();
      }
    },
  };
}

/** The model's outputs, in order (nsfwjs' NSFW_CLASSES, which it does not export). */
const OUTPUT_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

/** The model with its batch norms and ReLUs folded into the convolutions (nsfw-fused.ts), or null to run it as nsfwjs does. */
async function fuse(tf: typeof import('@tensorflow/tfjs'), model: LayersModel | GraphModel, logger: Logger): Promise<FusedModel | null> {
  if (!(model instanceof tf.LayersModel)) return null;
  try {
    const { fuseLayersModel } = await import('./nsfw-fused.js');
    return fuseLayersModel(model);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'NSFW model runs unfused (slower)');
    return null;
  }
}

async function selectBackend(logger: Logger, wanted: NsfwBackend | 'auto'): Promise<NsfwBackend> {
  const tf = await import('@tensorflow/tfjs');
  if (wanted === 'auto' || wanted === 'tensorflow') {
    try {
      // A variable specifier: the package is optional and may be absent.
      const tfjsNode = '@tensorflow/tfjs-node';
      await import(tfjsNode);
      if (await tf.setBackend('tensorflow')) return 'tensorflow';
    } catch (err) {
      if (wanted === 'tensorflow') throw err;
      logger.debug({ err: (err as Error).message }, '@tensorflow/tfjs-node unavailable; trying wasm');
    }
  }
  if (wanted === 'auto' || wanted === 'wasm') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
      wasm.setWasmPaths(dist); // local files: no CDN fetch
      if (await tf.setBackend('wasm')) return 'wasm';
    } catch (err) {
      if (wanted === 'wasm') throw err;
      logger.warn({ err: (err as Error).message }, 'wasm backend unavailable; NSFW scoring falls back to the slow cpu backend');
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('no TensorFlow.js backend could be initialised');
  return 'cpu';
}
