// Every benchmark suite, in the order BENCHMARKS.md lists them.
// Add a suite: write suites/<name>.ts exporting a `Suite`, then list it here.
import type { Suite } from '../harness.js';
import { tensorSuite } from './tensor.js';
import { wasmSuite } from './wasm.js';
import { tokenizerSuite } from './tokenizer.js';
import { modelSuite } from './model.js';
import { layersSuite } from './layers.js';
import { sampleSuite } from './sample.js';
import { trainSuite } from './train.js';
import { gpuSuite } from './gpu.js';
import { webgpuSuite } from './webgpu.js';
import { pretrainedSuite } from './pretrained.js';
import { browserSuite } from './browser.js';
import { demoBrowserSuite } from './demo-browser.js';

export const suites: Suite[] = [tensorSuite, tokenizerSuite, layersSuite, modelSuite, sampleSuite, trainSuite, wasmSuite, gpuSuite, webgpuSuite, browserSuite, pretrainedSuite, demoBrowserSuite];
