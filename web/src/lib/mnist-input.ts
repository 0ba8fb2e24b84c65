/**
 * Turns a drawing (white strokes on black) into a 28×28 grayscale image the way MNIST digits were
 * made: the ink's bounding box scaled to fit 20×20 keeping its aspect ratio, then placed in the
 * 28×28 frame so that its centre of mass is at the centre.
 */
export function mnistCanvas(source: HTMLCanvasElement): HTMLCanvasElement | undefined {
  const { width, height } = source;
  const pixels = source.getContext('2d')!.getImageData(0, 0, width, height).data;
  let [minX, minY, maxX, maxY] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (pixels[(y * width + x) * 4]! > 20) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  if (maxX < 0) return undefined; // nothing drawn
  const boxW = maxX - minX + 1;
  const boxH = maxY - minY + 1;
  const scale = 20 / Math.max(boxW, boxH);
  const w = Math.max(1, Math.round(boxW * scale));
  const h = Math.max(1, Math.round(boxH * scale));

  // First the digit alone at 20×20 scale, to find its centre of mass.
  const digit = document.createElement('canvas');
  digit.width = w;
  digit.height = h;
  const dctx = digit.getContext('2d')!;
  dctx.imageSmoothingQuality = 'high';
  dctx.drawImage(source, minX, minY, boxW, boxH, 0, 0, w, h);
  const ink = dctx.getImageData(0, 0, w, h).data;
  let [mass, cx, cy] = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = ink[(y * w + x) * 4]!;
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const [comX, comY] = mass > 0 ? [cx / mass, cy / mass] : [w / 2, h / 2];

  const out = document.createElement('canvas');
  out.width = 28;
  out.height = 28;
  const octx = out.getContext('2d')!;
  octx.fillStyle = '#000';
  octx.fillRect(0, 0, 28, 28);
  octx.drawImage(digit, Math.round(14 - comX), Math.round(14 - comY));
  return out;
}

/** The canvas as base64 PNG (without the data: prefix), the `{"b64": …}` form the predict route takes. */
export const pngBase64 = (canvas: HTMLCanvasElement) =>
  canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');

/** True when a model input takes one 28×28 grayscale image: [null, 28, 28, 1] or [null, 28, 28]. */
export function isDigitInput(shape: Array<number | null>): boolean {
  const [, h, w, c] = shape;
  return h === 28 && w === 28 && (shape.length === 3 || (shape.length === 4 && c === 1));
}
