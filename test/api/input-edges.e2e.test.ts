import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inProcessApi } from '../helpers/app.ts';
import { excessiveDepthAt } from '../../src/api/plugins/infra/input-guards.ts';
import { denseRunSpec } from '../helpers/specs.ts';

/** Input at the edges of the api: every one answers a 4xx in Kiln's error body naming the field, never a 500. */
describe('edge input: bad input is a 4xx naming the field, never a 500 or a silent change', () => {
  const api = inProcessApi();

  type Spec = ReturnType<typeof denseRunSpec> & Record<string, any>;
  const spec = (): Spec => denseRunSpec();
  const post = (body: unknown, url = '/runs?dryRun=true') =>
    api.app.inject({ method: 'POST', url, payload: body as object });
  const postText = (text: string, url = '/runs?dryRun=true') =>
    api.app.inject({ method: 'POST', url, payload: text, headers: { 'content-type': 'application/json' } });

  /** A 4xx in the envelope whose headline names `path`; answers the error. */
  function assertRefused(res: { statusCode: number; body: string }, status: number, path: string, message: RegExp) {
    assert.equal(res.statusCode, status, res.body);
    const { error } = JSON.parse(res.body);
    assert.equal(typeof error.code, 'string', res.body);
    assert.ok(Array.isArray(error.details), res.body);
    assert.equal(error.details[0].path, path, res.body);
    assert.match(error.details[0].message, message);
    assert.ok(error.message.startsWith(`${path}: `), res.body);
    return error as { code: string; message: string; details: Array<{ path: string; message: string }> };
  }

  describe('bodies are not coerced (query strings and params still are)', () => {
    const cases: Array<[string, (s: Spec) => unknown, string, RegExp]> = [
      ['"epochs": "5"', (s) => ({ ...s, fit: { ...s.fit, epochs: '5' } }), 'fit.epochs', /must be integer/],
      ['"epochs": true', (s) => ({ ...s, fit: { ...s.fit, epochs: true } }), 'fit.epochs', /must be integer/],
      ['"epochs": [5]', (s) => ({ ...s, fit: { ...s.fit, epochs: [5] } }), 'fit.epochs', /must be integer/],
      ['"name": 5', (s) => ({ ...s, name: 5 }), 'name', /must be string/],
      [
        '"validation_split": "0.5"',
        (s) => ({ ...s, fit: { epochs: 1, validation_split: '0.5' } }),
        'fit.validationSplit',
        /must be number/,
      ],
      ['"shuffle": null', (s) => ({ ...s, fit: { ...s.fit, shuffle: null } }), 'fit.shuffle', /must be boolean/],
    ];
    for (const [name, mutate, path, message] of cases) {
      test(name, async () => {
        assertRefused(await post(mutate(spec())), 400, path, message);
      });
    }

    test('query strings still coerce: ?dryRun=true, ?limit=5, one ?status as a list', async () => {
      assert.equal((await post(spec(), '/runs?dryRun=true')).statusCode, 200);
      const list = await api.app.inject({ method: 'GET', url: '/runs?limit=5&status=queued' });
      assert.equal(list.statusCode, 200, list.body);
      assertRefused(
        await api.app.inject({ method: 'GET', url: '/runs?limit=five' }),
        400,
        'querystring.limit',
        /must be integer/,
      );
    });
  });

  describe('the NUL character is refused before it reaches the database', () => {
    const nul = /NUL/;
    test('in a run name', async () => {
      assertRefused(await post({ ...spec(), name: 'a\u0000b' }, '/runs'), 400, 'name', nul);
    });
    test('in a layer name', async () => {
      const s = spec();
      s.model.layers[0] = { ...s.model.layers[0], name: 'dense\u0000' } as never;
      assertRefused(await post(s, '/runs'), 400, 'model.layers[0].name', nul);
    });
    test('in a key of the model', async () => {
      const s = spec();
      assertRefused(await post({ ...s, model: { ...s.model, ['x\u0000']: 1 } }, '/runs'), 400, 'model.x\\u0000', nul);
    });
    test('not for an escaped backslash followed by u0000', async () => {
      assert.equal((await post({ ...spec(), name: 'a\\u0000b' })).statusCode, 200);
    });
    for (const [method, url] of [
      ['GET', '/runs/a%00b'],
      ['DELETE', '/runs/a%00b'],
      ['POST', '/runs/a%00b/cancel'],
      ['GET', '/datasets/a%00b'],
      ['GET', '/models/a%00b'],
    ] as const) {
      test(`in a path param: ${method} ${url}`, async () => {
        assertRefused(await api.app.inject({ method, url }), 400, 'params.id', nul);
      });
    }
    test('in a query value', async () => {
      assertRefused(await api.app.inject({ method: 'GET', url: '/runs?cursor=a%00b' }), 400, 'querystring.cursor', nul);
    });
    test('inside a cursor', async () => {
      const cursor = Buffer.from('2024-01-01T00:00:00.000Z|a\u0000b').toString('base64url');
      assertRefused(
        await api.app.inject({ method: 'GET', url: `/runs?cursor=${cursor}` }),
        400,
        'querystring.cursor',
        /cursor/,
      );
    });
    test('in a JSON body of another route (POST /datasets)', async () => {
      assertRefused(await post({ name: 'a\u0000', url: 'https://example.org/x.npz' }, '/datasets'), 400, 'name', nul);
    });
  });

  describe('deeply nested JSON is refused at parse time', () => {
    const deep = (s: Spec, put: (s: Spec, marker: string) => unknown) =>
      JSON.stringify(put(s, '__DEEP__')).replace('"__DEEP__"', '['.repeat(20_000) + ']'.repeat(20_000));
    test('in compile.metrics', async () => {
      assertRefused(
        await postText(deep(spec(), (s, d) => ({ ...s, compile: { ...s.compile, metrics: d } }))),
        400,
        'compile.metrics',
        /64 levels/,
      );
    });
    test('in a layer argument', async () => {
      const body = deep(spec(), (s, d) => ({
        ...s,
        model: { ...s.model, layers: [{ ...s.model.layers[0], kernelSize: d }, s.model.layers[1]] },
      }));
      assertRefused(await postText(body), 400, 'model.layers[0].kernelSize', /64 levels/);
    });
    test('in an unknown model key, and in nested objects', async () => {
      assertRefused(
        await postText(deep(spec(), (s, d) => ({ ...s, model: { ...s.model, extra: d } }))),
        400,
        'model.extra',
        /64 levels/,
      );
      const objects = JSON.stringify({ ...spec(), name: '__D__' }).replace(
        '"__D__"',
        '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000),
      );
      const res = await postText(objects);
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().error.details[0].path, /^name\.a\.a/);
    });
    test('64 levels pass the check, 65 do not; brackets inside strings do not count', () => {
      assert.equal(excessiveDepthAt('['.repeat(64) + ']'.repeat(64)), -1);
      assert.equal(excessiveDepthAt('['.repeat(65) + ']'.repeat(65)), 64);
      assert.equal(excessiveDepthAt(`{"a": "${'['.repeat(100)}\\"[", "b": [1]}`), -1);
    });
    test('a 15 MB inline dataset still goes through, and the depth check is a small part of parsing it', async (t) => {
      const x: number[][] = [];
      const y: number[][] = [];
      for (let i = 0; i < 175_000; i++) {
        x.push([0, 1, 2, 3].map((j) => ((i * 7919 + j * 104_729) % 1000) / 997.123456789));
        y.push(i % 2 ? [0, 1] : [1, 0]);
      }
      const s = spec();
      const body = JSON.stringify({ ...s, dataset: { inline: { x, y } }, fit: { ...s.fit, epochs: 1 } });
      assert.ok(
        body.length > 14_000_000 && body.length < api.env.config.KILN_MAX_INLINE_MB * 1024 * 1024,
        `${body.length}`,
      );
      const started = performance.now();
      const res = await postText(body);
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
      // The check alone against JSON.parse of the same text, best of three (the machine is shared).
      const best = (f: () => unknown) =>
        Math.min(
          ...[0, 1, 2].map(() => {
            const t = performance.now();
            f();
            return performance.now() - t;
          }),
        );
      const scan = best(() => excessiveDepthAt(body));
      const parse = best(() => JSON.parse(body));
      assert.ok(scan < parse / 2, `depth check ${scan.toFixed(1)} ms vs JSON.parse ${parse.toFixed(1)} ms`);
      t.diagnostic(
        `15 MB dry run ${(performance.now() - started).toFixed(0)} ms; depth check ${scan.toFixed(1)} ms, JSON.parse ${parse.toFixed(1)} ms`,
      );
    });
  });

  describe("the router's own errors use the error body", () => {
    test('a path that is not valid percent-encoding', async () => {
      for (const method of ['GET', 'DELETE'] as const)
        assertRefused(await api.app.inject({ method, url: '/runs/%ZZ' }), 400, 'url', /not a valid URL/);
    });
    test('an id longer than 100 characters is the same 400 on GET and DELETE', async () => {
      for (const method of ['GET', 'DELETE'] as const) {
        assertRefused(
          await api.app.inject({ method, url: `/runs/${'a'.repeat(101)}` }),
          400,
          'params.id',
          /more than 100 characters/,
        );
      }
    });
    test('a path segment beyond the router limit', async () => {
      const error = assertRefused(
        await api.app.inject({ method: 'DELETE', url: `/runs/${'a'.repeat(1001)}` }),
        414,
        'url',
        /longer/,
      );
      assert.equal(error.code, 'uri_too_long');
    });
  });

  describe('/runs cursors', () => {
    test('a date PostgreSQL cannot hold is a 400', async () => {
      const cursor = Buffer.from('-200000-01-01T00:00:00.000Z|x').toString('base64');
      assertRefused(
        await api.app.inject({ method: 'GET', url: `/runs?cursor=${encodeURIComponent(cursor)}` }),
        400,
        'querystring.cursor',
        /cursor/,
      );
    });
    test('the cursors the api gives out still page through the runs', async () => {
      for (const name of ['one', 'two', 'three'])
        assert.equal((await post({ ...spec(), name }, '/runs')).statusCode, 201);
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/runs?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await api.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json() as { runs: Array<{ name: string }>; nextCursor: string | null };
        names.push(...page.runs.map((r) => r.name));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(names, ['three', 'two', 'one']);
    });
  });

  describe('a mistake inside a union is headlined with the real field and reason', () => {
    const cases: Array<[string, (s: Spec) => unknown, string, RegExp]> = [
      [
        'optimizer object: learning_rate 0',
        (s) => ({ ...s, compile: { ...s.compile, optimizer: { type: 'adam', learning_rate: 0 } } }),
        'compile.optimizer.learningRate',
        /^must be > 0$/,
      ],
      [
        'optimizer object: global_clipnorm 0',
        (s) => ({ ...s, compile: { ...s.compile, optimizer: { type: 'sgd', global_clipnorm: 0 } } }),
        'compile.optimizer.globalClipnorm',
        /^must be > 0$/,
      ],
      [
        'optimizer object: weight_decay below 0',
        (s) => ({ ...s, compile: { ...s.compile, optimizer: { type: 'adamw', weight_decay: -0.1 } } }),
        'compile.optimizer.weightDecay',
        /^must be >= 0$/,
      ],
      [
        'loss object: label_smoothing above 1',
        (s) => ({
          ...s,
          compile: { ...s.compile, loss: { class_name: 'CategoricalCrossentropy', config: { label_smoothing: 2 } } },
        }),
        'compile.loss.config.labelSmoothing',
        /^must be <= 1$/,
      ],
      [
        'optimizer object: unknown argument',
        (s) => ({ ...s, compile: { ...s.compile, optimizer: { type: 'adam', betta: 1 } } }),
        'compile.optimizer.betta',
        /not a known field/,
      ],
      [
        'optimizer name unknown',
        (s) => ({ ...s, compile: { ...s.compile, optimizer: 'adamm' } }),
        'compile.optimizer',
        /^must be "sgd", .*"adam".* or "adadelta"$/,
      ],
      [
        'optimizer neither string nor object',
        (s) => ({ ...s, compile: { ...s.compile, optimizer: 5 } }),
        'compile.optimizer',
        /^must be string or object$/,
      ],
      [
        'dataset ref: limit 0',
        (s) => ({ ...s, dataset: { id: 'mnist', limit: 0 } }),
        'dataset.limit',
        /^must be >= 1$/,
      ],
      [
        'dataset ref: a misspelled field',
        (s) => ({ ...s, dataset: { id: 'mnist', limt: 5 } }),
        'dataset.limt',
        /not a known field/,
      ],
      [
        'dataset inline: a field only refs have',
        (s) => ({ ...s, dataset: { ...s.dataset, limit: 5 } }),
        'dataset.limit',
        /not a known field/,
      ],
      [
        'loss name unknown',
        (s) => ({ ...s, compile: { ...s.compile, loss: 'crossentropy_of_doom' } }),
        'compile.loss',
        /^must be "categoricalCrossentropy", .* or "kld"$/,
      ],
      [
        'loss per output: an unknown name',
        (s) => ({ ...s, compile: { ...s.compile, loss: { out: 'doom' } } }),
        'compile.loss.out',
        /^must be "categoricalCrossentropy", /,
      ],
      [
        'loss per output: not a string',
        (s) => ({ ...s, compile: { ...s.compile, loss: { out: 5 } } }),
        'compile.loss.out',
        /^must be string or object$/,
      ],
    ];
    for (const [name, mutate, path, message] of cases) {
      test(name, async () => {
        const error = assertRefused(await post(mutate(spec())), 400, path, message);
        assert.equal(error.details.length, 1, JSON.stringify(error.details));
      });
    }

    test('the dataset ref mistake carries no false "dataset.id: is not a known field"', async () => {
      const res = await post({ ...spec(), dataset: { id: 'mnist', limit: 0 } });
      assert.ok(
        !res.json().error.details.some((d: { path: string }) => d.path === 'dataset.id' || d.path === 'dataset.inline'),
        res.body,
      );
    });

    test('a value matching no branch better than another keeps every branch, under the union', async () => {
      const error = assertRefused(
        await post({ ...spec(), dataset: {} }),
        400,
        'dataset',
        /does not match any allowed form/,
      );
      assert.deepEqual(
        error.details
          .slice(1)
          .map((d) => d.path)
          .sort(),
        ['dataset.id', 'dataset.inline'],
      );
    });
  });
});
