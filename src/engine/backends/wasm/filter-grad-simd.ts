// Conv2D filter gradient through Kiln's SIMD kernel (simd/filter-grad.wat): NHWC, out channels a
// multiple of 8. When the convolution pads, x is zero-padded first, so that every tap is in bounds
// and each patch row is one constant byte offset from an output position's base in x.
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { tapExtent } from './im2col.ts';
import { filterGradKernel } from './simd/kernels.ts';
import { disposeIntermediates, float32View, heapOffset, runWasmKernel, type WasmBackend } from './wasm-backend.ts';

/**
 * Samples per kernel call: x and dy of one block should stay in the core's L2 cache while the
 * kernel sweeps them once per four patch rows. On the seed CNN's second layer 2–4 samples a block
 * took 13 ms against 24 ms for the whole batch at once.
 */
const BLOCK_BYTES = 192 * 1024;

/** Whether the SIMD kernel computes this gradient (else im2col + XNNPACK's matrix product). */
export function simdFilterGradApplies(info: backend_util.Conv2DInfo): boolean {
  if (info.dataFormat !== 'channelsLast' || info.outChannels % 8 !== 0) return false;
  // Measured: deep layers on small maps (3x3x256 on 6x6 outputs) are faster through XNNPACK, whose
  // packing is cheap when there are few output positions; everything else (the seed CNN's three
  // layers, 3x3x128 on 14x14, 3-channel 32x32 inputs) is 1.5-10x faster here.
  return info.filterHeight * info.filterWidth * info.inChannels <= 1024 || info.outWidth >= 8;
}

/** dL/dfilter as [kh, kw, ci, co]. */
export function filterGradSimd(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inChannels, outChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const filterShape = [filterHeight, filterWidth, inChannels, outChannels];
  const rows = filterHeight * filterWidth * inChannels;
  const tiles = Math.ceil(rows / 4);
  if (batchSize * outHeight * outWidth === 0) {
    const zeros = backend.makeOutput(filterShape, 'float32');
    float32View(backend, zeros).fill(0);
    return zeros;
  }

  // Pad x so that the taps of every output position are in bounds.
  const reach = tapExtent(info);
  const { top, left } = info.padInfo;
  const bottom = Math.max(0, reach.height - top - info.inHeight);
  const right = Math.max(0, reach.width - left - info.inWidth);
  const padded =
    top || left || bottom || right
      ? runWasmKernel(
          'PadV2',
          { x },
          {
            paddings: [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ],
            constantValue: 0,
          },
          backend,
        )
      : x;
  const [, paddedHeight, paddedWidth] = padded.shape as number[];

  // Rows padded to a multiple of 4 (the kernel's tile); the extra rows are dropped below.
  const out = backend.makeOutput([tiles * 4, outChannels], 'float32');
  float32View(backend, out).fill(0);
  const offsets: number[] = [];
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const tap = (kh * info.dilationHeight * paddedWidth + kw * info.dilationWidth) * inChannels;
      for (let c = 0; c < inChannels; c++) offsets.push((tap + c) * 4);
    }
  }
  while (offsets.length < tiles * 4) offsets.push(0);

  // Pointers only now: allocations above may have grown the heap (offsets stay valid; views do not).
  const kernel = filterGradKernel(backend);
  const xBase = heapOffset(backend, padded);
  const dyBase = heapOffset(backend, dy);
  const outBase = heapOffset(backend, out);
  const dyStep = outChannels * 4;
  const xColStep = info.strideWidth * inChannels * 4;
  const xRowStep = info.strideHeight * paddedWidth * inChannels * 4;
  const xSampleBytes = paddedHeight * paddedWidth * inChannels * 4;
  const dySampleBytes = outHeight * outWidth * dyStep;
  const xRowSkip = xRowStep - outWidth * xColStep;
  const xSampleSkip = xSampleBytes - outHeight * xRowStep;
  const block = Math.max(1, Math.floor(BLOCK_BYTES / (xSampleBytes + dySampleBytes)));
  for (let first = 0; first < batchSize; first += block) {
    const samples = Math.min(block, batchSize - first);
    for (let t = 0; t < tiles; t++) {
      kernel.rows4(
        xBase + first * xSampleBytes,
        dyBase + first * dySampleBytes,
        outBase + t * 4 * dyStep,
        dyStep,
        offsets[4 * t]!,
        offsets[4 * t + 1]!,
        offsets[4 * t + 2]!,
        offsets[4 * t + 3]!,
        samples,
        outHeight,
        outWidth,
        outChannels / 8,
        xColStep,
        xRowSkip,
        xSampleSkip,
        dyStep,
      );
    }
  }
  if (padded !== x) disposeIntermediates(backend, padded);
  if (tiles * 4 === rows) return { ...out, shape: filterShape };
  const exact = runWasmKernel('Slice', { x: out }, { begin: [0, 0], size: [rows, outChannels] }, backend);
  disposeIntermediates(backend, out);
  return { ...exact, shape: filterShape };
}
