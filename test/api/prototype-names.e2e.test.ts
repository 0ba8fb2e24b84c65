import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inProcessApi } from '../helpers/app.ts';
import { denseRunSpec } from '../helpers/specs.ts';

const INHERITED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

describe('names every object inherits are no layer, activation, initializer, loss or dataset of Kiln', () => {
  const api = inProcessApi();
  const dryRun = async (spec: unknown) => {
    const res = await api.app.inject({ method: 'POST', url: '/runs?dryRun=true', payload: spec as object });
    return { status: res.statusCode, body: res.json() };
  };
  const withFirstLayer = (extra: Record<string, unknown>) => {
    const spec = denseRunSpec();
    return { ...spec, model: { ...spec.model, layers: [{ ...spec.model.layers[0], ...extra }, spec.model.layers[1]] } };
  };

  test('a layer type, an activation, an initializer or a regularizer named like Object.prototype: a 400 naming the field', async () => {
    for (const name of INHERITED) {
      const cases: Array<[unknown, RegExp]> = [
        [withFirstLayer({ type: name }), /^model\.layers\[0\]/],
        [withFirstLayer({ activation: name }), /^model\.layers\[0\]\.activation/],
        [withFirstLayer({ kernelInitializer: name }), /^model\.layers\[0\]\.kernelInitializer/],
        [withFirstLayer({ kernel_regularizer: name }), /^model\.layers\[0\]\.kernel_regularizer/],
        // (A "__proto__" key itself never gets this far: the JSON parser refuses it.)
        ...(name === '__proto__' ? [] : [[withFirstLayer({ [name]: 1 }), /^model\.layers\[0\]/] as [unknown, RegExp]]),
      ];
      for (const [spec, path] of cases) {
        const res = await dryRun(spec);
        assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.error.details?.[0]?.path ?? '', path, `${name}: ${JSON.stringify(res.body.error)}`);
      }
    }
  });

  test('a loss, a metric or a dataset id named like Object.prototype: a 400, never a 500', async () => {
    for (const name of INHERITED) {
      const spec = denseRunSpec();
      for (const [changed, field] of [
        [{ ...spec, compile: { ...spec.compile, loss: name } }, 'compile.loss'],
        [{ ...spec, compile: { ...spec.compile, metrics: [name] } }, 'compile.metrics'],
        [{ ...spec, dataset: { id: name } }, 'dataset.id'],
      ] as const) {
        const res = await dryRun(changed);
        assert.equal(res.status, 400, `${name} as ${field}: ${JSON.stringify(res.body)}`);
        assert.ok(
          res.body.error.details.some((d: { path: string }) => d.path.startsWith(field)),
          `${name} as ${field}: ${JSON.stringify(res.body.error)}`,
        );
      }
    }
  });
});
