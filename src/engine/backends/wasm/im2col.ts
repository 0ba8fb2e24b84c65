// Lays out every receptive field of a convolution as a column so the filter gradient becomes a
// single XNNPACK matrix product. Reads from [ci, n, H, W] so the innermost loop runs over
// contiguous input pixels.
import type { backend_util } from '@tensorflow/tfjs-core';

export interface PatchGeometry {
  /** Samples in this chunk, input height/width, input channels. */
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  filterHeight: number;
  filterWidth: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** The geometry of `count` samples of the convolution described by `info`. */
export function patchGeometry(info: backend_util.Conv2DInfo, count: number): PatchGeometry {
  return {
    batch: count,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * Rows and columns of the (padded) input that the taps of every output position reach: from the
 * first tap of the first position to the last tap of the last one.
 */
export function tapExtent(info: backend_util.Conv2DInfo): { height: number; width: number } {
  return {
    height: (info.outHeight - 1) * info.strideHeight + (info.filterHeight - 1) * info.dilationHeight + 1,
    width: (info.outWidth - 1) * info.strideWidth + (info.filterWidth - 1) * info.dilationWidth + 1,
  };
}

/**
 * Writes patches^T into `out` as a [kh*kw*ci, batch*OH*OW] row-major matrix (zeros where a tap
 * falls in the padding). `x` holds samples [firstSample, firstSample+batch) of a [ci, N, H, W]
 * tensor with `totalBatch` samples.
 */
export function im2colTransposed(
  x: Float32Array,
  totalBatch: number,
  firstSample: number,
  g: PatchGeometry,
  out: Float32Array,
): void {
  const { batch, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = g;
  let o = 0;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const colOffset = kw * g.dilationWidth - g.padLeft;
      // Output columns whose tap lands inside the image: the inner loop then needs no bounds checks.
      const owFrom = Math.min(OW, Math.max(0, Math.ceil(-colOffset / g.strideWidth)));
      const owTo = Math.max(owFrom, Math.min(OW, Math.floor((W - 1 - colOffset) / g.strideWidth) + 1));
      for (let c = 0; c < g.inChannels; c++) {
        for (let n = 0; n < batch; n++) {
          const plane = (c * totalBatch + firstSample + n) * H;
          for (let oh = 0; oh < OH; oh++) {
            const r = oh * g.strideHeight + kh * g.dilationHeight - g.padTop;
            if (r < 0 || r >= H) {
              out.fill(0, o, o + OW);
              o += OW;
              continue;
            }
            const rowBase = (plane + r) * W + colOffset;
            for (let ow = 0; ow < owFrom; ow++) out[o++] = 0;
            if (g.strideWidth === 1) {
              for (let ow = owFrom; ow < owTo; ow++) out[o++] = x[rowBase + ow];
            } else {
              for (let ow = owFrom; ow < owTo; ow++) out[o++] = x[rowBase + ow * g.strideWidth];
            }
            for (let ow = owTo; ow < OW; ow++) out[o++] = 0;
          }
        }
      }
    }
  }
}
