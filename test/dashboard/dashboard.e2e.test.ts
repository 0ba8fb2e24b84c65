import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { type Browser, type Page } from 'playwright-core';
import { startStack, type Stack } from '../helpers/stack.ts';
import { request, waitForRun } from '../helpers/http.ts';
import { denseRunSpec } from '../helpers/specs.ts';
import { mnistFiles } from '../helpers/datasets.ts';
import { launchChromium } from './browser.ts';
import { buildDashboard } from './build.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = `${ROOT}test-results/dashboard`;
const TOKEN = 'e2e-dashboard-token';
/** A CNN saved by Keras 3.14 itself (../shared/fixtures/keras/README.md). */
const KERAS_FIXTURE = fileURLToPath(
  new URL('../../../shared/fixtures/keras/keras-3.14-mnist-cnn.keras', import.meta.url),
);
const auth = { authorization: `Bearer ${TOKEN}` };

/** A CNN small enough to train in seconds on 2 shared cores, on the uploaded 28×28×1 digits. */
const tinyCnnSpec = (datasetId: string) => ({
  name: 'e2e-digits',
  model: {
    type: 'sequential',
    layers: [
      { type: 'Conv2D', filters: 4, kernelSize: [3, 3], activation: 'relu', inputShape: [28, 28, 1] },
      { type: 'MaxPooling2D', poolSize: [2, 2] },
      { type: 'Flatten' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  dataset: {
    id: datasetId,
    preprocess: { scale: 1 / 255 },
    labels: 'oneHot',
    limit: 1200,
    validationSplit: 0.2,
    testSplit: 0.05,
  },
  compile: { optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'categorical_crossentropy', metrics: ['accuracy'] },
  fit: { epochs: 6, batchSize: 32, seed: 3 },
});

interface ChartState {
  points: number;
  series: string[];
  data: Array<Array<number | null>>;
}
// The page's CSP forbids eval, so everything run in the page is a function (typed loosely: no DOM types here).
/** What a chart of the page plots now (window.__kilnCharts, kept by web/src/components/Chart.tsx). */
const chartState = (page: Page, name: string) =>
  page.evaluate((n) => (globalThis as any).__kilnCharts?.[n] ?? null, name) as Promise<ChartState | null>;
/** Waits until a chart has more than `min` points. */
const chartGrows = (page: Page, name: string, min: number, timeout = 60_000) =>
  page.waitForFunction(
    ({ n, m }) => ((globalThis as any).__kilnCharts?.[n]?.points ?? 0) > m,
    { n: name, m: min },
    { timeout },
  );
const rowCount = (page: Page, count: number) =>
  page.waitForFunction((c) => (globalThis as any).document.querySelectorAll('tr[data-run-id]').length === c, count);

describe('dashboard in a real browser: upload, train, watch, evaluate, predict', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const outside: string[] = [];
  const pageErrors: string[] = [];
  let datasetId = '';
  let runId = '';
  let importedId = '';

  // Each step builds on the one before: after a failure, the rest are skipped rather than time out.
  let failed = '';
  const step = (name: string, fn: () => Promise<void> | void) =>
    test(name, async (t: TestContext) => {
      if (failed) return t.skip(`an earlier step failed: ${failed}`);
      try {
        await fn();
      } catch (error) {
        failed = name;
        await shot(`failed-${name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
        throw error;
      }
    });
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const go = async (hash: string) => {
    await page.goto(`${origin}/#/${hash}`);
  };

  before(async () => {
    buildDashboard();
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack({ env: { KILN_API_TOKEN: TOKEN } });
    origin = stack.api.url;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    // Every request the page makes, WebSockets included, must go to the api's own origin.
    const check = (url: string) => {
      if (/^(data|blob|about):/.test(url)) return;
      const u = new URL(url);
      if (`http://${u.host}` !== origin) outside.push(url);
    };
    page.on('request', (r) => check(r.url()));
    page.on('websocket', (ws) => check(ws.url()));
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  step('the page asks for the token, then shows the runs', async () => {
    await page.goto(`${origin}/`);
    await page.getByRole('dialog').waitFor();
    // Dismissed, the dialog stays closed: the page does not re-read, get 401 and ask again at once.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForTimeout(1000);
    assert.equal(await page.getByRole('dialog').count(), 0, 'the dialog stays dismissed');
    await page.getByRole('button', { name: 'Set the API token' }).click();
    await page.getByRole('textbox', { name: 'Token' }).fill(TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('table', { name: 'Runs' }).waitFor();
    await page.getByText('No runs yet.').waitFor();
  });

  step('the keyboard reaches every section: skip link first, then the navigation', async () => {
    const focused = () =>
      page.evaluate(() => String((globalThis as any).document.activeElement?.textContent ?? '').trim());
    await page.reload(); // the token is kept in the browser: no dialog this time
    await page.getByRole('table', { name: 'Runs' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Skip to content');
    for (let i = 0; i < 6 && (await focused()) !== 'Datasets'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
  });

  step('a dataset dropped on the upload area is ingested and shows a grid of its digits', async () => {
    await go('datasets');
    const files = (await mnistFiles()).map((f) => ({ name: f.name, b64: Buffer.from(f.data).toString('base64') }));
    // A real drop event carrying real files, as a drag from the desktop delivers them.
    const dataTransfer = await page.evaluateHandle((list) => {
      const g = globalThis as any;
      const transfer = new g.DataTransfer();
      for (const f of list)
        transfer.items.add(new g.File([Uint8Array.from(g.atob(f.b64), (c: string) => c.charCodeAt(0))], f.name));
      return transfer;
    }, files);
    await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
    await page.getByText('2 files:').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('digits-t10k');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const row = page.locator('tr[data-dataset-id]', { hasText: 'digits-t10k' });
    await row.and(page.locator('[data-status=ready]')).waitFor({ timeout: 60_000 });
    datasetId = (await row.getAttribute('data-dataset-id'))!;
    assert.match(await row.innerText(), /10,000/);
    await shot('datasets');

    await row.getByRole('link', { name: 'digits-t10k' }).click();
    const grid = page.getByTestId('sample-grid');
    await grid.waitFor();
    const images = grid.locator('img');
    assert.ok((await images.count()) >= 16, 'a grid of sample images');
    assert.match((await images.first().getAttribute('src')) ?? '', /^data:image\/png;base64,/);
    assert.equal(await images.first().getAttribute('alt'), 'sample 1, label 7', 'the first MNIST test digit is a 7');
    await shot('dataset');
  });

  step(
    'the new-run form: seed CNN prefilled, dry-run summary, errors at their field, then a run is started',
    async () => {
      await go('new');
      const editor = page.locator('textarea#spec');
      const seed = JSON.parse(await editor.inputValue());
      assert.equal(seed.model.name, 'MNIST_CNN');
      assert.equal(seed.model.layers[0].type, 'Conv2D');

      await page.getByLabel('Dataset').selectOption(datasetId);
      assert.equal(
        JSON.parse(await editor.inputValue()).dataset.id,
        datasetId,
        'the picker writes the dataset into the spec',
      );
      await page.getByRole('button', { name: 'Dry run' }).click();
      await page.getByTestId('model-summary').waitFor();
      assert.equal(await page.getByTestId('total-params').innerText(), '130,890', "the seed's parameter count");
      assert.match(
        await page.getByTestId('model-summary').innerText(),
        /conv2d \(Conv2D\)\s+\(None, 26, 26, 32\)\s+320/,
      );
      await shot('new-run');

      // An invalid field: the error appears on that field's line.
      const bad = { ...tinyCnnSpec(datasetId), fit: { epochs: -1, batchSize: 32 } };
      const badText = JSON.stringify(bad, null, 2);
      await editor.fill(badText);
      await page.getByRole('button', { name: 'Start run' }).click();
      const fieldError = page.locator('.field-errors li[data-path="fit.epochs"]');
      await fieldError.waitFor();
      const epochsLine = badText.split('\n').findIndex((l) => l.includes('"epochs": -1')) + 1;
      assert.match(await fieldError.innerText(), new RegExp(`line ${epochsLine}`));
      assert.deepEqual(await page.locator('.gutter .gutter-error').allInnerTexts(), [String(epochsLine)]);
      assert.match(await page.locator('.backdrop .line-error .inline-error').innerText(), /fit\.epochs/);
      assert.equal(await editor.getAttribute('aria-invalid'), 'true');
      await shot('new-run-error');

      // Text that is not JSON: the syntax error is marked at its line too (a trailing comma on line 3).
      await editor.fill('{\n  "name": "x",\n  "fit": {"epochs": 1,},\n  "model": {}\n}');
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.locator('.field-errors li', { hasText: 'not valid JSON' }).waitFor();
      assert.deepEqual(await page.locator('.gutter .gutter-error').allInnerTexts(), ['3']);

      // Notes whether the batch progress (samples/s, ETA) is ever shown: it lives only while an epoch runs.
      await page.evaluate(() => {
        const g = globalThis as any;
        new g.MutationObserver(() => {
          const bar = g.document.querySelector('[data-testid=batch-progress]');
          if (bar && !g.__batchProgressSeen) g.__batchProgressSeen = bar.textContent;
        }).observe(g.document.body, { childList: true, subtree: true });
      });
      await editor.fill(JSON.stringify(tinyCnnSpec(datasetId), null, 2));
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.waitForURL(/#\/runs\/[^/]+$/);
      runId = decodeURIComponent(page.url().split('#/runs/')[1]!);
      assert.ok(runId);
    },
  );

  step('the run page: the loss chart gains points while the run trains, then the evaluation appears', async () => {
    await chartGrows(page, 'loss', 0, 120_000);
    const first = (await chartState(page, 'loss'))!.points;
    const statusAtFirst = await page.locator('article.run').getAttribute('data-status');
    await chartGrows(page, 'loss', first);
    const second = (await chartState(page, 'loss'))!.points;
    assert.equal(statusAtFirst, 'running', `the chart had ${first} point(s) while the run was still running`);
    assert.ok(second > first, `the chart grew from ${first} to ${second} points without a reload`);

    await page.locator('article.run[data-status=succeeded]').waitFor({ timeout: 120_000 });
    const progress = (await page.evaluate(() => (globalThis as any).__batchProgressSeen)) as string | undefined;
    assert.match(
      progress ?? '',
      /Epoch \d\/6 · batch \d+\/\d+.*samples\/s · ETA/,
      'batch progress of the running epoch was shown',
    );
    await chartGrows(page, 'loss', 5);
    const chart = (await chartState(page, 'loss'))!;
    assert.deepEqual(chart.series, ['loss', 'val_loss']);
    assert.deepEqual(chart.data[0], [1, 2, 3, 4, 5, 6]);
    for (const values of chart.data.slice(1))
      assert.ok(values.every((v) => typeof v === 'number' && Number.isFinite(v)));
    assert.ok(chart.data[1]![5]! < chart.data[1]![0]!, 'the training loss went down');
    assert.equal((await chartState(page, 'lr'))!.points, 6, 'the learning-rate curve has one point per epoch');
    assert.ok((await page.locator('.log li').count()) > 0, 'the log stream shows the run’s events');
    assert.match(await page.locator('#spec pre').innerText(), /"Conv2D"/);

    const matrix = page.getByTestId('confusion-matrix');
    await matrix.waitFor();
    await matrix.scrollIntoViewIfNeeded();
    assert.equal(await matrix.locator('tbody tr').count(), 10);
    assert.equal(await matrix.locator('tbody tr').first().locator('td').count(), 10);
    const counts = (await matrix
      .locator('td[data-count]')
      .evaluateAll((cells) => cells.map((c) => Number((c as any).dataset.count)))) as number[];
    assert.ok(counts.reduce((a, b) => a + b, 0) > 0, 'the matrix counts the test samples');
    assert.equal(await page.getByTestId('per-class').locator('tbody tr').count(), 10, 'precision and recall per class');
    await page.getByTestId('model-link').waitFor(); // the model the run registered
    await shot('run');
    await page.getByTestId('confusion-matrix').screenshot({ path: `${SHOTS}/confusion-matrix.png` });
    // The picture in README.md: `KILN_UPDATE_DOCS_SCREENSHOT=1 node scripts/test.mjs test/dashboard` renews it.
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await page.screenshot({
      path: `${SHOTS}/run-top.png`,
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1560 },
    });
    if (process.env.KILN_UPDATE_DOCS_SCREENSHOT === '1')
      await copyFile(`${SHOTS}/run-top.png`, `${ROOT}docs/dashboard-run.png`);
  });

  step("the run's model: drawing a digit on the canvas gives the top classes as bars", async () => {
    await page.getByTestId('model-link').click();
    const canvas = page.getByTestId('draw-canvas');
    await canvas.waitFor();
    const box = (await canvas.boundingBox())!;
    // A "1": one vertical stroke down the middle.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++)
      await page.mouse.move(box.x + box.width * (0.5 - i * 0.005), box.y + box.height * (0.2 + i * 0.05));
    await page.mouse.up();
    const bars = page.getByTestId('predictions').locator('li');
    await bars.first().waitFor();
    assert.equal(await bars.count(), 5, 'the top 5 classes');
    const confidences = (await bars.evaluateAll((items) =>
      items.map((li) => Number((li as any).dataset.confidence)),
    )) as number[];
    assert.deepEqual(
      confidences,
      [...confidences].sort((a, b) => b - a),
      'most likely first',
    );
    assert.ok(confidences.every((c) => c >= 0 && c <= 1) && confidences.reduce((a, b) => a + b, 0) <= 1.0001);
    const inked = (await page.getByTestId('mnist-preview').evaluate((c) => {
      const data = (c as any).getContext('2d').getImageData(0, 0, 28, 28).data as Uint8ClampedArray;
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! > 100) lit++;
      return lit;
    })) as number;
    assert.ok(
      inked > 10 && inked < (28 * 28) / 2,
      `the 28×28 image sent is a white stroke on black (${inked} lit pixels)`,
    );
    await shot('model');
  });

  step('the runs table follows status live, compares runs on one chart, and deletes', async () => {
    // The list answers carry each run's dataset and best metric: the table fetches no run one by one.
    const runFetches: string[] = [];
    const countRunFetches = (r: { url(): string }) => {
      if (/\/runs\/[^/?]+$/.test(new URL(r.url()).pathname)) runFetches.push(r.url());
    };
    page.on('request', countRunFetches);
    await go('runs');
    await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
    // A second run, started by another client: its row appears and reaches succeeded without a reload.
    const created = await request(origin, 'POST', '/runs', denseRunSpec({ name: 'second-client', epochs: 3 }), auth);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const second = page.locator(`tr[data-run-id="${created.body.id}"]`);
    await second.and(page.locator('[data-status=succeeded]')).waitFor({ timeout: 90_000 });
    await waitForRun(origin, created.body.id, ['succeeded'], 10_000, auth);
    const firstRow = page.locator(`tr[data-run-id="${runId}"]`);
    assert.match(
      await firstRow.innerText(),
      /e2e-digits\s+succeeded\s+digits-t10k\s/,
      'name, status and dataset (by name)',
    );
    await firstRow.getByText(/val_accuracy \d/).waitFor();
    page.off('request', countRunFetches);
    assert.deepEqual(runFetches, [], 'no GET /runs/:id from the runs table');

    await page.getByLabel('Status').selectOption('succeeded');
    await page.getByLabel('Name', { exact: true }).fill('second');
    await rowCount(page, 1);
    await page.getByLabel('Name', { exact: true }).fill('');
    await page.getByLabel('Status').selectOption('');
    await rowCount(page, 2);
    await shot('runs');

    await page.getByLabel('Compare e2e-digits').check();
    await page.getByLabel('Compare second-client').check();
    await page.getByRole('button', { name: /Compare \(2\)/ }).click();
    await page.waitForFunction(() => (globalThis as any).__kilnCharts?.compare?.series.length === 2);
    const compare = (await chartState(page, 'compare'))!;
    assert.deepEqual([...compare.series].sort(), ['e2e-digits', 'second-client']);
    assert.equal(compare.points, 6, 'epochs 1–6 on one x axis');
    await shot('compare');

    await go('runs');
    // Each row's buttons say which run they act on (a screen reader lists them out of their rows).
    await page.getByRole('button', { name: 'Delete second-client', exact: true }).click();
    await second.waitFor({ state: 'detached' });
    assert.equal((await request(origin, 'GET', `/runs/${created.body.id}`, undefined, auth)).status, 404);

    // The deleted run's page says so and does not keep knocking on its event stream.
    const sockets: string[] = [];
    const countSockets = (ws: { url(): string }) => sockets.push(ws.url());
    page.on('websocket', countSockets);
    await go(`runs/${created.body.id}`);
    await page.getByRole('alert').getByText('does not exist').waitFor();
    await page.waitForTimeout(3000);
    page.off('websocket', countSockets);
    assert.deepEqual(sockets, [], 'no event stream opened for a run that does not exist');
    // Compared with a deleted run, the run that exists still shows, and the missing one can be removed.
    await go(`compare?ids=${runId},${created.body.id}`);
    await page.locator('tbody tr:not(.u-series)', { hasText: 'e2e-digits' }).waitFor();
    const missing = page.locator(`[data-missing-run="${created.body.id}"]`);
    await missing.getByText('does not exist').waitFor();
    await missing.getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(new RegExp(`ids=${runId}$`));
  });

  step('the compare page follows a running run over its event stream, without re-reading it', async () => {
    // Seconds an epoch: polling every 3 s, as the page once did, would read the run again and again.
    const created = await request(
      origin,
      'POST',
      '/runs',
      denseRunSpec({ name: 'live-compare', epochs: 4, samples: 2048, batchSize: 1, units: 64 }),
      auth,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const reads: string[] = [];
    const countReads = (r: { url(): string }) => {
      if (new URL(r.url()).pathname === `/runs/${id}`) reads.push(r.url());
    };
    page.on('request', countReads);
    await go(`compare?ids=${runId},${id}`);
    const row = page.locator('tbody tr:not(.u-series)', { hasText: 'live-compare' });
    await row.locator('[data-status=running]').waitFor({ timeout: 60_000 });
    await row.locator('[data-status=succeeded]').waitFor({ timeout: 90_000 });
    page.off('request', countReads);
    assert.ok(
      reads.length <= 2,
      `while it trained the run was read ${reads.length} times (once, and once as it ended)`,
    );
    await row.locator('td').nth(2).getByText(/^4$/).waitFor();
    await row.getByText(/\w+ \d+\.\d{4}/).waitFor(); // its best metric, read once the run ended
  });

  step(
    'a Keras model imported through the form: its page, a .keras download, an evaluation on the dataset',
    async () => {
      await go('models');
      const form = page.locator('form.import-model');
      await form.getByRole('heading', { name: 'Import a model' }).waitFor();
      // Dropped as a desktop drag delivers a file, like the dataset above.
      const b64 = (await readFile(KERAS_FIXTURE)).toString('base64');
      const dataTransfer = await page.evaluateHandle((data) => {
        const g = globalThis as any;
        const transfer = new g.DataTransfer();
        const bytes = Uint8Array.from(g.atob(data), (c: string) => c.charCodeAt(0));
        transfer.items.add(new g.File([bytes], 'keras-3.14-mnist-cnn.keras'));
        return transfer;
      }, b64);
      await form.locator('[data-testid=dropzone]').dispatchEvent('drop', { dataTransfer });
      await form.getByText('1 file:').waitFor();
      assert.equal(
        await form.getByLabel('Name', { exact: true }).inputValue(),
        'keras-3.14-mnist-cnn',
        'named after the file',
      );
      await form.getByLabel('Name', { exact: true }).fill('keras-digits');
      await form.getByLabel('Labels (optional)').fill('0,1,2,3,4,5,6,7,8,9');

      // A refused field: the api's error appears under that field, which is marked invalid; nothing is registered.
      const preprocess = form.getByLabel('Preprocess (optional JSON)');
      await preprocess.fill('{"scale": 1/255}');
      await form.getByRole('button', { name: 'Import' }).click();
      const fieldError = form.locator('#import-preprocess-errors li[data-path="preprocess"]');
      await fieldError.waitFor();
      assert.match(await fieldError.innerText(), /is not JSON/);
      assert.equal(await preprocess.getAttribute('aria-invalid'), 'true');
      assert.equal(await preprocess.getAttribute('aria-describedby'), 'import-preprocess-errors');
      assert.equal(await form.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), null);
      const listed = await request(origin, 'GET', '/models?name=keras-digits', undefined, auth);
      assert.deepEqual(listed.body.models, []);
      await shot('models-import-error');

      await preprocess.fill('{"scale": 0.00392156862745098}');
      await form.getByRole('button', { name: 'Import' }).click();
      await page.waitForURL(/#\/models\/[^/]+$/);
      importedId = decodeURIComponent(page.url().split('#/models/')[1]!);
      await page.getByRole('heading', { name: 'keras-digits v1', level: 1 }).waitFor();
      const about = page.locator('dl.facts');
      assert.match(
        await page.getByTestId('model-source').innerText(),
        /Source\s+imported from keras-3\.14-mnist-cnn\.keras \(keras, saved by Keras 3\.14\.0\)/,
      );
      assert.match(await about.innerText(), /input input_layer\s+\(None, 28, 28, 1\) float32/);
      assert.match(await about.innerText(), /output dense_1\s+\(None, 10\) float32/);
      assert.match(await about.innerText(), /Labels\s+0, 1, 2, 3, 4, 5, 6, 7, 8, 9/);
      await shot('model-imported');

      // The download carries the token (a plain link could not) and is saved under the api's file name.
      await page.getByLabel('Format').selectOption('keras');
      const [response, download] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === `/models/${importedId}/download`),
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download', exact: true }).click(),
      ]);
      assert.equal(new URL(response.url()).searchParams.get('format'), 'keras');
      assert.equal(response.status(), 200);
      assert.equal(response.headers()['content-disposition'], 'attachment; filename="keras-digits-v1.keras"');
      assert.equal(download.suggestedFilename(), 'keras-digits-v1.keras');
      // What the browser saved is a Keras 3 file: a zip of the config, the metadata and the weights.
      const saved = new Uint8Array(await readFile((await download.path())!));
      assert.deepEqual(Object.keys(unzipSync(saved)).sort(), ['config.json', 'metadata.json', 'model.weights.h5']);

      // Evaluate on the dataset uploaded above: a run that trains nothing, whose page shows the evaluation.
      const evaluate = page.locator('form.evaluate-model');
      await evaluate.getByLabel('Dataset').selectOption(datasetId);
      await evaluate.getByLabel('Rows (optional: the first N)').fill('1000');
      await evaluate.getByRole('button', { name: 'Evaluate' }).click();
      await page.waitForURL(/#\/runs\/[^/]+$/);
      const evaluationRun = decodeURIComponent(page.url().split('#/runs/')[1]!);
      await page.locator('article.run[data-status=succeeded]').waitFor({ timeout: 120_000 });
      assert.equal(await page.getByTestId('evaluated-model-link').innerText(), 'keras-digits v1');
      assert.equal(await page.getByTestId('model-link').count(), 0, 'an evaluation registers no model');
      await page.getByText('this run trains nothing').waitFor();
      const matrix = page.getByTestId('confusion-matrix');
      await matrix.waitFor();
      assert.deepEqual(await matrix.locator('thead th[scope=col]:not(.corner)').allInnerTexts(), [...'0123456789']);
      const counts = (await matrix
        .locator('td[data-count]')
        .evaluateAll((cells) => cells.map((c) => Number((c as any).dataset.count)))) as number[];
      assert.equal(counts.length, 100);
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        1000,
        'every row of the dataset evaluated once',
      );
      const diagonal = counts.filter((_, i) => i % 11 === 0).reduce((a, b) => a + b, 0);
      assert.ok(diagonal > 970, `${diagonal} of 1000 digits right (the authors measured 99.18%)`);
      assert.equal(await page.getByTestId('per-class').locator('tbody tr').count(), 10);
      await shot('evaluation-run');
      const run = (await request(origin, 'GET', `/runs/${evaluationRun}`, undefined, auth)).body;
      assert.deepEqual([run.spec.fit.epochs, run.epochs, run.modelId], [0, [], null]);
    },
  );

  step(
    'a model version and a dataset are deleted from their pages; an alias or a running run holds them back',
    async () => {
      const run = await request(origin, 'GET', `/runs/${runId}`, undefined, auth);
      const modelId = run.body.modelId as string;
      assert.ok(modelId, 'the run registered a model');
      await go(`models/${modelId}`);
      await page.getByRole('button', { name: 'Point @production at v1' }).click();
      const remove = page.getByRole('button', { name: 'Remove @production' });
      await remove.waitFor();

      // While @production points at it, the version stays, and the page says what to do.
      await page.getByRole('button', { name: 'Delete v1' }).click();
      await page.getByRole('alert').getByText('move the alias first').waitFor();
      assert.equal(
        (await request(origin, 'GET', `/models/${modelId}`, undefined, auth)).status,
        200,
        'the version is kept',
      );
      await shot('model-delete-refused');

      await remove.click();
      await remove.waitFor({ state: 'detached' });
      assert.equal(
        (await request(origin, 'GET', '/models/e2e-digits@production', undefined, auth)).status,
        404,
        'the alias is gone',
      );
      await page.getByRole('button', { name: 'Delete v1' }).click();
      await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
      assert.equal(
        (await request(origin, 'GET', `/models/${modelId}`, undefined, auth)).status,
        404,
        'the version is gone',
      );

      // The run's page, its model gone, shows none and settles: nothing left to wait for.
      const runReads: string[] = [];
      const countRunReads = (r: { url(): string }) => {
        if (new URL(r.url()).pathname === `/runs/${runId}`) runReads.push(r.url());
      };
      page.on('request', countRunReads);
      await go(`runs/${runId}`);
      await page.locator('article.run[data-status=succeeded]').waitFor();
      await page.locator('.log li', { hasText: 'status: succeeded' }).waitFor(); // its events replayed
      await page.waitForTimeout(2000); // a page still waiting for the model re-read the run every 700 ms
      page.off('request', countRunReads);
      assert.equal(await page.getByTestId('model-link').count(), 0, 'no link to the deleted model');
      assert.equal(runReads.length, 1, 'the run was read once: its replayed events are not news');

      // A run that uses the dataset holds it back until the run ends.
      const holding = await request(
        origin,
        'POST',
        '/runs',
        { ...tinyCnnSpec(datasetId), name: 'holds-dataset', fit: { epochs: 50, batchSize: 32 } },
        auth,
      );
      assert.equal(holding.status, 201, JSON.stringify(holding.body));
      await go(`datasets/${datasetId}`);
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByRole('alert').getByText('queued or running run').waitFor();
      assert.equal(
        (await request(origin, 'GET', `/datasets/${datasetId}`, undefined, auth)).status,
        200,
        'the dataset is kept',
      );
      assert.equal((await request(origin, 'POST', `/runs/${holding.body.id}/cancel`, undefined, auth)).status, 202);
      await waitForRun(origin, holding.body.id, ['canceled'], 60_000, auth);
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
      await page.locator(`tr[data-dataset-id="${datasetId}"]`).waitFor({ state: 'detached' });
      assert.equal(
        (await request(origin, 'GET', `/datasets/${datasetId}`, undefined, auth)).status,
        404,
        'the dataset is gone',
      );
    },
  );

  step('phone width and dark mode: nothing overflows the screen sideways', async () => {
    // A name of 100 characters without a space, as a script might make one.
    const long = await request(
      origin,
      'POST',
      '/runs',
      denseRunSpec({ name: `sweep_${'x'.repeat(94)}`, epochs: 1 }),
      auth,
    );
    assert.equal(long.status, 201, JSON.stringify(long.body));
    // Trained, so the name also labels a curve in the compare chart's legend.
    await waitForRun(origin, long.body.id, ['succeeded'], 90_000, auth);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const hash of [
      'runs',
      `runs/${runId}`,
      `runs/${long.body.id}`,
      `compare?ids=${runId},${long.body.id}`,
      'new',
      'datasets',
      'models',
      `models/${importedId}`,
    ]) {
      await go(hash);
      await page.locator('main h1').first().waitFor();
      // The compare chart's legend holds the long name once both curves are drawn: measure then.
      if (hash.startsWith('compare'))
        await page.waitForFunction(() => (globalThis as any).__kilnCharts?.compare?.series.length === 2);
      const { overflow, culprits } = await page.evaluate(() => {
        const g = globalThis as any;
        const wide = [...g.document.querySelectorAll('body *')].filter(
          (el: any) =>
            el.getBoundingClientRect().right > g.innerWidth + 1 && !el.closest('.table-wrap, .code, .editor'),
        );
        return {
          overflow: g.document.documentElement.scrollWidth - g.innerWidth,
          culprits: wide.slice(0, 5).map((el: any) => `${el.tagName}.${el.className}`),
        };
      });
      assert.ok(overflow <= 0, `#/${hash} is ${overflow}px wider than the phone: ${culprits.join(', ')}`);
    }
    await go(`runs/${runId}`);
    await page.getByTestId('confusion-matrix').waitFor();
    await shot('run-phone-dark');
  });

  step('the page made no request outside the api’s origin, and threw no error', () => {
    assert.deepEqual(outside, []);
    assert.deepEqual(pageErrors, []);
  });
});
