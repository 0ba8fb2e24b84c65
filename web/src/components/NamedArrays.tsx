import { useMemo } from 'preact/hooks';
import {
  arrayKind,
  imagePixels,
  rangeText,
  sampleShapeText,
  valuesText,
  IMAGES_SHOWN,
  type ArrayInfo,
  type ArraySample,
} from '../lib/named-arrays.ts';

/** Rows of values shown per array that is not images or one value per sample. */
const ROWS = 8;
const KIND_LABEL = { image: 'images', tokens: 'token ids', numbers: 'numbers' } as const;

/**
 * A dataset of named arrays (one per model input and output): a table of the arrays (dtype, one sample's
 * shape, value range), then each array's first samples as it is best read: an image grid, token ids, or
 * numbers.
 */
export function NamedArrays({
  arrays,
  samples,
}: {
  arrays: Record<string, ArrayInfo>;
  samples: Array<Record<string, ArraySample>> | undefined;
}) {
  // By name: the api's order is not the file's (its JSON store orders keys its own way).
  const names = Object.keys(arrays).sort((a, b) => a.localeCompare(b));
  return (
    <section aria-labelledby="arrays-title">
      <h2 id="arrays-title">Arrays</h2>
      <div class="table-wrap">
        <table aria-label="Arrays" data-testid="named-arrays">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">dtype</th>
              <th scope="col">Sample shape</th>
              <th scope="col">Value range</th>
              <th scope="col">Shown as</th>
            </tr>
          </thead>
          <tbody>
            {names.map((name) => (
              <tr data-array={name}>
                <th scope="row" class="mono">
                  {name}
                </th>
                <td>{arrays[name]!.dtype}</td>
                <td>{sampleShapeText(arrays[name]!.shape)}</td>
                <td>{rangeText(arrays[name]!.range)}</td>
                <td>{KIND_LABEL[arrayKind(arrays[name]!)]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {samples &&
        names.map((name) => <ArraySamples name={name} info={arrays[name]!} samples={samples.map((s) => s[name]!)} />)}
    </section>
  );
}

function ArraySamples({ name, info, samples }: { name: string; info: ArrayInfo; samples: ArraySample[] }) {
  const kind = arrayKind(info);
  const id = `array-${name}`;
  return (
    <section class="card named-array" aria-labelledby={id} data-array={name} data-kind={kind}>
      <h3 id={id}>
        <span class="mono">{name}</span>{' '}
        <span class="muted">
          {info.dtype} {sampleShapeText(info.shape)}, {KIND_LABEL[kind]}
        </span>
      </h3>
      {kind === 'image' ? (
        <ul class="sample-grid">
          {samples.slice(0, IMAGES_SHOWN).map((s, i) => (
            <li>
              <SampleImage sample={s} shape={info.shape} alt={`${name}, sample ${i + 1}`} />
              <span>{i + 1}</span>
            </li>
          ))}
        </ul>
      ) : info.shape.length === 0 ? (
        <ol class="value-inline mono">
          {samples.slice(0, IMAGES_SHOWN).map((s) => (
            <li>{valuesText(s?.values)}</li>
          ))}
        </ol>
      ) : (
        <ol class="value-rows mono">
          {samples.slice(0, ROWS).map((s) => (
            <li>{valuesText(s?.values, kind === 'tokens' ? 64 : 16)}</li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** The api's PNG for a uint8 image; a float image is drawn from its values, stretched to its own range. */
function SampleImage({ sample, shape, alt }: { sample: ArraySample | undefined; shape: number[]; alt: string }) {
  const src = useMemo(() => {
    if (sample?.image) return sample.image;
    if (!Array.isArray(sample?.values)) return undefined;
    const [h, w] = shape as [number, number];
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const context = canvas.getContext('2d');
    if (!context) return undefined;
    context.putImageData(new ImageData(imagePixels(sample.values, shape), w, h), 0, 0);
    return canvas.toDataURL('image/png');
  }, [sample, shape]);
  return src ? <img src={src} alt={alt} width={56} height={56} /> : <span class="muted">—</span>;
}
