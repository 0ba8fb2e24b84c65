import { useEffect, useRef } from 'preact/hooks';
import { mnistCanvas, pngBase64 } from '../lib/mnist-input.ts';

const SIZE = 280;

/**
 * A black square to draw a digit on in white, with mouse, pen or finger. After each stroke the
 * drawing is reduced to a centred 28×28 image (shown beside it) and handed to onImage as PNG base64.
 */
export function DrawPad({ onImage }: { onImage: (b64: string) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const preview = useRef<HTMLCanvasElement>(null);

  const clear = () => {
    const ctx = canvas.current!.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, SIZE, SIZE);
    preview.current!.getContext('2d')!.clearRect(0, 0, 28, 28);
  };
  useEffect(clear, []);

  const point = (e: PointerEvent) => {
    const rect = canvas.current!.getBoundingClientRect();
    return [((e.clientX - rect.left) / rect.width) * SIZE, ((e.clientY - rect.top) / rect.height) * SIZE] as const;
  };
  const send = () => {
    const small = mnistCanvas(canvas.current!);
    if (!small) return;
    const ctx = preview.current!.getContext('2d')!;
    ctx.clearRect(0, 0, 28, 28);
    ctx.drawImage(small, 0, 0);
    onImage(pngBase64(small));
  };

  const drawing = useRef(false);
  const onDown = (e: PointerEvent) => {
    drawing.current = true;
    canvas.current!.setPointerCapture(e.pointerId);
    const ctx = canvas.current!.getContext('2d')!;
    const [x, y] = point(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 20;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 0.1, y);
    ctx.stroke();
  };
  const onMove = (e: PointerEvent) => {
    if (!drawing.current) return;
    const ctx = canvas.current!.getContext('2d')!;
    const [x, y] = point(e);
    ctx.lineTo(x, y);
    ctx.stroke();
  };
  const onUp = () => {
    if (!drawing.current) return;
    drawing.current = false;
    send();
  };

  return (
    <div class="drawpad">
      <canvas
        ref={canvas}
        width={SIZE}
        height={SIZE}
        data-testid="draw-canvas"
        aria-label="Drawing area: draw a digit in white on black with a mouse, pen or finger"
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
        onPointerCancel={onUp}
      />
      <div class="drawpad-side">
        <figure>
          <canvas ref={preview} width={28} height={28} class="preview" data-testid="mnist-preview" />
          <figcaption>what the model sees (28×28)</figcaption>
        </figure>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </div>
  );
}
