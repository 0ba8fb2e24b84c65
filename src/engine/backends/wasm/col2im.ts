// Inverse of im2col: scatter-adds each patch row back onto the image it was read from.
import type { PatchGeometry } from './im2col.ts';

/**
 * Adds `cols` ([batch*OH*OW, kh*kw*ci] row-major, one receptive field per row) into `dx`
 * (NHWC, `firstSample` onwards); taps that fall in the padding are dropped.
 */
export function col2imAdd(cols: Float32Array, firstSample: number, g: PatchGeometry, dx: Float32Array): void {
  const { batch, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const rowLength = g.filterHeight * g.filterWidth * C;
  let row = 0;
  for (let n = 0; n < batch; n++) {
    const image = (firstSample + n) * H;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, row += rowLength) {
        for (let kh = 0; kh < g.filterHeight; kh++) {
          const r = oh * g.strideHeight + kh * g.dilationHeight - g.padTop;
          if (r < 0 || r >= H) continue;
          for (let kw = 0; kw < g.filterWidth; kw++) {
            const col = ow * g.strideWidth + kw * g.dilationWidth - g.padLeft;
            if (col < 0 || col >= W) continue;
            const to = ((image + r) * W + col) * C;
            const from = row + (kh * g.filterWidth + kw) * C;
            for (let c = 0; c < C; c++) dx[to + c] += cols[from + c];
          }
        }
      }
    }
  }
}
