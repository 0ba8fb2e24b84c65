import { DatasetFormatError } from './errors.ts';
import { decodeImageInto, decodeRawImage, validateImageShape } from './image-decode.ts';
import type { SizeLimits } from './limits.ts';
import { seededPermutation } from '../../lib/seeded-shuffle.ts';
import { sortClassNames } from './ndarray.ts';
import type { DatasetFile, ParsedDataset, SplitName } from './types.ts';
import { listZipEntries, readZipEntries, type ZipEntryInfo } from './zip.ts';

/** How to turn a ZIP of class folders into tensors. */
export interface ImageZipOptions extends SizeLimits {
  /** [height, width] every image is resized to; default: the first image's size. */
  size?: [number, number];
  /** Default 3 (RGB). */
  channels?: 1 | 3;
  /** Refuse single images with more pixels than this (default 40 million). */
  maxPixels?: number;
  /**
   * Store each split's images in an order shuffled by this seed instead of sorted by folder, as Keras'
   * image_dataset_from_directory shuffles before it splits: splits taken from the last rows then hold
   * every class rather than the last folders' only. Unset: sorted by path.
   */
  shuffleSeed?: number;
}

interface LabelledImage {
  entry: ZipEntryInfo;
  split: SplitName;
  className: string;
}

const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;
const LAYOUT_HELP =
  'expected class_name/image.png, or train/class_name/image.png and test/class_name/image.png, optionally inside one top folder';

// Archivers add metadata files (macOS resource forks, .DS_Store, Thumbs.db) that are not part of the dataset.
function isImageEntry(name: string): boolean {
  const segments = name.split('/');
  const base = segments[segments.length - 1]!;
  return !name.endsWith('/') && !segments.includes('__MACOSX') && !base.startsWith('.') && IMAGE_EXTENSION.test(base);
}

const isSplitFolder = (segment: string | undefined) =>
  segment?.toLowerCase() === 'train' || segment?.toLowerCase() === 'test';

/** Works out each image's split and class from its folder path. */
function labelByFolders(zipName: string, entries: ZipEntryInfo[]): LabelledImage[] {
  let paths = entries.map((entry) => ({ entry, segments: entry.name.replace(/\\/g, '/').split('/') }));
  const top = paths[0]?.segments[0];
  const underOneTopFolder = paths.every((p) => p.segments.length >= 3 && p.segments[0] === top) && !isSplitFolder(top);
  if (underOneTopFolder) paths = paths.map((p) => ({ ...p, segments: p.segments.slice(1) }));
  const splitMode = paths.some((p) => p.segments.length === 3 && isSplitFolder(p.segments[0]));

  return paths.map(({ entry, segments }) => {
    const depthOk = splitMode ? segments.length === 3 && isSplitFolder(segments[0]) : segments.length === 2;
    if (!depthOk) {
      throw new DatasetFormatError(
        'IMAGE_ZIP_LAYOUT',
        `${zipName}: entry "${entry.name}" is not in a class folder; ${LAYOUT_HELP}`,
        {
          file: zipName,
          entry: entry.name,
        },
      );
    }
    const split: SplitName = splitMode ? (segments[0]!.toLowerCase() as SplitName) : 'train';
    return { entry, split, className: segments[segments.length - 2]! };
  });
}

/** One split of an image ZIP, its images decoded only as they are read. */
export interface ImageZipSplit {
  /** [n, h, w, c]. */
  shape: [number, number, number, number];
  /** Class index of each image, in the order images() yields them. */
  labels: Int32Array;
  /** Decodes the split's images one at a time, each a fresh h * w * c uint8 array (nothing else is kept). */
  images(): Generator<Uint8Array>;
}

/** An image ZIP read as far as its directory and first image: enough to know every shape and label. */
export interface ImageZipContents {
  classes: string[];
  /** The seed the images were shuffled with (ImageZipOptions.shuffleSeed), if they were. */
  shuffleSeed?: number;
  splits: Partial<Record<SplitName, ImageZipSplit>>;
}

// Entries inflated per pass: a few MB of encoded images, so memory stays bounded however many there are.
const INFLATE_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Opens a ZIP of images in class folders: labels index the sorted class names. Entry count and total size
 * are checked from the central directory before anything is inflated; images are decoded lazily, one at a
 * time, so a large set can be written out as it is decoded without ever being whole in memory.
 */
export function openImageZip(file: DatasetFile, options: ImageZipOptions = {}): ImageZipContents {
  const channels = options.channels ?? 3;
  const allEntries = listZipEntries(file.name, file.data, options);
  const images = labelByFolders(
    file.name,
    allEntries.filter((e) => isImageEntry(e.name)),
  );
  if (images.length === 0) {
    throw new DatasetFormatError(
      'IMAGE_ZIP_EMPTY',
      `${file.name} contains no .png, .jpg or .jpeg images; ${LAYOUT_HELP}`,
      {
        file: file.name,
      },
    );
  }
  images.sort((a, b) => (a.entry.name < b.entry.name ? -1 : a.entry.name > b.entry.name ? 1 : 0));
  const classes = sortClassNames(images.map((i) => i.className));
  const classIndex = new Map(classes.map((name, i) => [name, i]));
  const size = options.size ?? firstImageSize(file, images[0]!.entry, options.maxPixels);
  const shape = { size, channels, maxPixels: options.maxPixels };
  validateImageShape(shape);
  const pixelsPerImage = size[0] * size[1] * channels;

  const splits: ImageZipContents['splits'] = {};
  for (const split of ['train', 'test'] as const) {
    const sorted = images.filter((i) => i.split === split);
    if (sorted.length === 0) continue;
    const members =
      options.shuffleSeed === undefined
        ? sorted
        : Array.from(seededPermutation(sorted.length, `${options.shuffleSeed}:${split}`), (i) => sorted[i]!);
    splits[split] = {
      shape: [members.length, size[0], size[1], channels],
      labels: Int32Array.from(members, (m) => classIndex.get(m.className)!),
      *images() {
        const entries = members.map((m) => m.entry);
        for (const { name, data } of readZipEntries(file.name, file.data, entries, INFLATE_BATCH_BYTES)) {
          const pixels = new Uint8Array(pixelsPerImage);
          decodeImageInto(data, shape, pixels, `${file.name}: ${name}`);
          yield pixels;
        }
      },
    };
  }
  return { classes, splits, ...(options.shuffleSeed === undefined ? {} : { shuffleSeed: options.shuffleSeed }) };
}

/** Parses a ZIP of images in class folders into uint8 [n, h, w, c] images and int32 labels, all in memory. */
export function parseImageZip(file: DatasetFile, options: ImageZipOptions = {}): ParsedDataset {
  const contents = openImageZip(file, options);
  const splits: ParsedDataset['splits'] = {};
  for (const [name, split] of Object.entries(contents.splits) as Array<[SplitName, ImageZipSplit]>) {
    const pixelsPerImage = split.shape[1] * split.shape[2] * split.shape[3];
    const x = new Uint8Array(split.shape[0] * pixelsPerImage);
    let index = 0;
    for (const image of split.images()) x.set(image, pixelsPerImage * index++);
    splits[name] = {
      x: { dtype: 'uint8', shape: split.shape, data: x },
      y: { dtype: 'int32', shape: [split.shape[0]], data: split.labels },
    };
  }
  return { format: 'image-zip', splits, classes: contents.classes };
}

function firstImageSize(file: DatasetFile, entry: ZipEntryInfo, maxPixels?: number): [number, number] {
  const [first] = readZipEntries(file.name, file.data, [entry]);
  const raw = decodeRawImage(first!.data, `${file.name}: ${entry.name}`, maxPixels);
  return [raw.height, raw.width];
}
