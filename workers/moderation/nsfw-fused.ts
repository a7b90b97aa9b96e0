// nsfwjs's MobileNetV2 is a Keras layers model: every convolution is followed
// by its own BatchNormalization and ReLU6 layers, and on the wasm backend those
// two (52 batch norms, 35 ReLUs and clips over full feature maps) took over
// half of an inference. Inference only ever uses the batch norms' moving
// statistics, so each folds into the convolution before it (kernel × scale,
// bias = beta − mean × scale) and the ReLU6 becomes the convolution's fused
// activation: the same function in one XNNPACK kernel per convolution. The
// weights are the bundled ones; the scores agree with the layers model's to
// float rounding (test/moderation/nsfw.test.ts checks it).
import * as tf from '@tensorflow/tfjs';

type Activation = 'linear' | 'relu' | 'relu6';

interface Conv {
  kind: 'conv' | 'depthwise';
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D;
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
  activation: Activation;
}

type Step =
  | { kind: 'input' }
  | { kind: 'pad'; pad: [[number, number], [number, number]] }
  | Conv
  | { kind: 'add' }
  | { kind: 'avgPool'; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
  | { kind: 'flatten' }
  | { kind: 'dense'; kernel: tf.Tensor2D; bias?: tf.Tensor1D; activation: Activation | 'softmax' };

type Node = Step & { name: string; inputs: string[] };

/** The model as a function of a batch of 224×224 RGB pixels (0–255) to class probabilities. */
export type FusedModel = (pixels: tf.Tensor4D) => tf.Tensor2D;

interface KerasConfig {
  padding?: unknown;
  strides?: [number, number];
  dilationRate?: [number, number];
  activation?: string;
  useBias?: boolean;
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  poolSize?: [number, number];
}

// Keras layers' inbound connections (public in tfjs-layers, not in its typings).
const inputsOf = (l: tf.layers.Layer) =>
  ((l as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes[0]?.inboundLayers ?? []).map((x) => x.name);

/**
 * Compiles a Keras layers model made of the layers MobileNetV2 uses; throws on
 * any other layer, or a batch norm or ReLU that does not follow a convolution
 * alone (the caller then keeps the layers model).
 */
export function fuseLayersModel(model: tf.LayersModel): FusedModel {
  const nodes: Node[] = [];
  const byName = new Map<string, Node>();
  const alias = new Map<string, string>(); // a folded layer's name → the node that computes it
  const consumers = new Map<string, number>();
  for (const l of model.layers) for (const i of inputsOf(l)) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const resolve = (n: string) => alias.get(n) ?? n;
  /** The convolution a batch norm or ReLU can fold into: its only input, read by nothing else, no activation yet. */
  const foldable = (l: tf.layers.Layer): (Conv & Node) | undefined => {
    const [input] = inputsOf(l);
    const node = byName.get(resolve(input));
    return node && (node.kind === 'conv' || node.kind === 'depthwise') && node.activation === 'linear' && consumers.get(input) === 1 ? node : undefined;
  };

  tf.tidy(() => {
    for (const l of model.layers) {
      const c = l.getConfig() as KerasConfig;
      const w = l.getWeights();
      const cls = l.getClassName();
      if (cls === 'Dropout') {
        alias.set(l.name, resolve(inputsOf(l)[0])); // identity at inference
        continue;
      }
      if (cls === 'BatchNormalization') {
        const conv = foldable(l);
        if (!conv) throw new Error(`batch norm ${l.name} follows no convolution`);
        let k = 0;
        const gamma = c.scale ? w[k++] : undefined;
        const beta = c.center ? w[k++] : undefined;
        const [mean, variance] = [w[k++], w[k++]];
        let scale = tf.rsqrt(tf.add(variance, c.epsilon ?? 1e-3));
        if (gamma) scale = tf.mul(scale, gamma);
        let shift = tf.neg(tf.mul(mean, scale));
        if (beta) shift = tf.add(shift, beta);
        // conv2d kernels are [h, w, in, out], depthwise ones [h, w, channels, 1]: scale the output channel.
        conv.filter = tf.keep(tf.mul(conv.filter, conv.kind === 'conv' ? scale : scale.reshape([-1, 1])));
        conv.bias = tf.keep(conv.bias ? tf.add(tf.mul(conv.bias, scale), shift) : shift) as tf.Tensor1D;
        alias.set(l.name, conv.name);
        continue;
      }
      if (cls === 'ReLU') {
        const conv = foldable(l);
        const activation = c.maxValue === 6 ? 'relu6' : c.maxValue == null ? 'relu' : undefined;
        if (!conv || !activation || c.negativeSlope || c.threshold) throw new Error(`ReLU ${l.name} cannot be fused`);
        conv.activation = activation;
        alias.set(l.name, conv.name);
        continue;
      }
      const node = { ...step(cls, c, w), name: l.name, inputs: inputsOf(l).map(resolve) } as Node;
      nodes.push(node);
      byName.set(l.name, node);
    }
  });
  const output = resolve(model.outputLayers[0].name);

  return (pixels) =>
    tf.tidy(() => {
      const values = new Map<string, tf.Tensor>();
      for (const n of nodes) {
        const x = values.get(n.inputs[0]) as tf.Tensor4D;
        values.set(n.name, apply(n, x, pixels, values));
      }
      return values.get(output) as tf.Tensor2D;
    });
}

const ACTIVATIONS = new Set(['linear', 'relu', 'relu6']);

function step(cls: string, c: KerasConfig, w: tf.Tensor[]): Step {
  const activation = (c.activation ?? 'linear') as Activation;
  if (!ACTIVATIONS.has(activation) && !(cls === 'Dense' && c.activation === 'softmax')) throw new Error(`no fused form for the ${activation} activation`);
  const conv = { filter: w[0] as tf.Tensor4D, bias: c.useBias ? (w[1] as tf.Tensor1D) : undefined, strides: c.strides!, pad: c.padding as 'same' | 'valid', dilations: c.dilationRate!, activation };
  switch (cls) {
    case 'InputLayer':
      return { kind: 'input' };
    case 'ZeroPadding2D':
      return { kind: 'pad', pad: c.padding as [[number, number], [number, number]] };
    case 'Conv2D':
      return { kind: 'conv', ...conv };
    case 'DepthwiseConv2D':
      return { kind: 'depthwise', ...conv };
    case 'Add':
      return { kind: 'add' };
    case 'AveragePooling2D':
      return { kind: 'avgPool', pool: c.poolSize!, strides: c.strides!, pad: c.padding as 'same' | 'valid' };
    case 'Flatten':
      return { kind: 'flatten' };
    case 'Dense':
      return { kind: 'dense', kernel: w[0] as tf.Tensor2D, bias: c.useBias ? (w[1] as tf.Tensor1D) : undefined, activation: (c.activation ?? 'linear') as Activation | 'softmax' };
    default:
      throw new Error(`no fused form for the ${cls} layer`);
  }
}

function apply(n: Node, x: tf.Tensor4D, pixels: tf.Tensor4D, values: Map<string, tf.Tensor>): tf.Tensor {
  switch (n.kind) {
    case 'input':
      return tf.div(tf.cast(pixels, 'float32'), 255); // nsfwjs' normalisation
    case 'pad':
      return tf.pad(x, [[0, 0], n.pad[0], n.pad[1], [0, 0]]);
    case 'conv':
      return tf.fused.conv2d({ x, filter: n.filter, strides: n.strides, pad: n.pad, dilations: n.dilations, bias: n.bias, activation: n.activation });
    case 'depthwise':
      return tf.fused.depthwiseConv2d({ x, filter: n.filter, strides: n.strides, pad: n.pad, dilations: n.dilations, bias: n.bias, activation: n.activation });
    case 'add':
      return tf.add(x, values.get(n.inputs[1])!);
    case 'avgPool':
      return tf.avgPool(x, n.pool, n.strides, n.pad);
    case 'flatten':
      return tf.reshape(x, [x.shape[0], -1]);
    case 'dense': {
      const a = x as unknown as tf.Tensor2D;
      if (n.activation === 'softmax') return tf.softmax(tf.fused.matMul({ a, b: n.kernel, bias: n.bias }));
      return tf.fused.matMul({ a, b: n.kernel, bias: n.bias, activation: n.activation });
    }
  }
}
