import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DatasetFormatError } from './errors.ts';
import { resizeBilinearInto, toChannels, type RawPixels } from './pixels.ts';

/** Target geometry of decoded images. */
export interface ImageShapeOptions {
  /** [height, width] to resize to. */
  size: [number, number];
  channels: 1 | 3;
  /** Refuse images with more pixels than this before allocating them (default 40 million). */
  maxPixels?: number;
}

const DEFAULT_MAX_PIXELS = 40_000_000;

/** Image container recognised from its first bytes. */
export type ImageKind = 'png' | 'jpeg';

/** Recognises PNG and JPEG by magic bytes (file extensions lie). */
function sniffImageKind(bytes: Uint8Array): ImageKind | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

function undecodable(name: string, reason: string): DatasetFormatError {
  return new DatasetFormatError('IMAGE_UNDECODABLE', `${name} could not be decoded as an image: ${reason}`, {
    entry: name,
  });
}

// PNG keeps width and height in the IHDR chunk at a fixed offset; checking them first stops a tiny file
// from making the decoder allocate gigabytes.
function pngPixelCount(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return bytes.length >= 24 ? view.getUint32(16, false) * view.getUint32(20, false) : 0;
}

/** Decodes PNG or JPEG bytes to raw RGB(A) pixels at their own size. */
export function decodeRawImage(bytes: Uint8Array, name = 'image', maxPixels = DEFAULT_MAX_PIXELS): RawPixels {
  const kind = sniffImageKind(bytes);
  if (!kind) throw undecodable(name, 'it is neither PNG nor JPEG');
  try {
    if (kind === 'png') {
      if (pngPixelCount(bytes) > maxPixels) throw new Error(`more than ${maxPixels} pixels`);
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, channels: 4, data: png.data };
    }
    const image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1_000_000,
      maxMemoryUsageInMB: Math.ceil((maxPixels * 4) / 1_000_000) + 64,
    });
    return { width: image.width, height: image.height, channels: 3, data: image.data };
  } catch (error) {
    throw undecodable(name, `${kind.toUpperCase()} error: ${(error as Error).message}`);
  }
}

/** Refuses image shapes that cannot be produced, before any work is done. */
export function validateImageShape(options: ImageShapeOptions): void {
  const { size, channels } = options;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) {
    throw new DatasetFormatError(
      'INVALID_OPTION',
      `image size must be [height, width] in whole pixels, got ${JSON.stringify(size)}`,
      {
        option: 'size',
      },
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new DatasetFormatError(
      'INVALID_OPTION',
      `image channels must be 1 (gray) or 3 (RGB), got ${JSON.stringify(channels)}`,
      {
        option: 'channels',
      },
    );
  }
}

/** Decodes, converts channels and resizes one image straight into `out` (length h * w * channels). */
export function decodeImageInto(bytes: Uint8Array, options: ImageShapeOptions, out: Uint8Array, name = 'image'): void {
  const [height, width] = options.size;
  const raw = decodeRawImage(bytes, name, options.maxPixels);
  if (raw.width === 0 || raw.height === 0) throw undecodable(name, 'it has no pixels');
  resizeBilinearInto(toChannels(raw, options.channels), height, width, out);
}

/** Decodes a PNG or JPEG to uint8 pixels of shape [h, w, channels] (e.g. for a base64 image sent to a model). */
export function decodeImage(bytes: Uint8Array, options: ImageShapeOptions): Uint8Array {
  validateImageShape(options);
  const [height, width] = options.size;
  const out = new Uint8Array(height * width * options.channels);
  decodeImageInto(bytes, options, out);
  return out;
}
