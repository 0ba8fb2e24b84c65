// The dataset pages in a real browser for a dataset of named arrays (one per model input and output),
// beside an x/y dataset that must look as it always did.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../helpers/stack.ts';
import { uploadDataset, waitForDataset } from '../helpers/datasets.ts';
import { npy } from '../datasets/fixtures/npy-writer.ts';
import { launchChromium } from './browser.ts';
import { buildDashboard } from './build.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/dashboard', import.meta.url));
const N = 30;

/** Rows of every kind the page tells apart: uint8 and float images, token ids, a class and a price. */
const photo = Array.from({ length: N * 12 * 12 * 3 }, (_, i) => (i * 7) % 256);
const image = Array.from({ length: N * 8 * 8 }, (_, i) => ((i % 64) / 63) * 2 - 1);
const text = Array.from({ length: N * 6 }, (_, i) => (i * 13) % 50);
const category = Array.from({ length: N }, (_, i) => i % 3);
const price = Array.from({ length: N }, (_, i) => i * 1.25 + 0.5);

const namedNpz = () =>
  zipSync({
    'photo_train.npy': npy('|u1', [N, 12, 12, 3], photo),
    'image_train.npy': npy('<f4', [N, 8, 8, 1], image),
    'text_train.npy': npy('<i4', [N, 6], text),
    'category_train.npy': npy('<i8', [N], category),
    'price_train.npy': npy('<f4', [N], price),
  });
const xyNpz = () =>
  zipSync({
    'x_train.npy': npy(
      '|u1',
      [4, 28, 28],
      Array.from({ length: 4 * 784 }, (_, i) => i % 256),
    ),
    'y_train.npy': npy('<i8', [4], [0, 1, 2, 3]),
  });

/** The texts of every element matching a selector. */
const texts = (page: Page, selector: string) => page.locator(selector).allInnerTexts();

describe('dashboard: a dataset of named arrays shows each array and its samples', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let namedId = '';
  let xyId = '';
  const pageErrors: string[] = [];
  const samplesRead: string[] = [];

  before(async () => {
    buildDashboard();
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack();
    const upload = async (name: string, data: Uint8Array) => {
      const created = await uploadDataset(stack.api.url, [{ name: `${name}.npz`, data }], { name });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const dataset = await waitForDataset(stack.api.url, created.body.id);
      assert.equal(dataset.status, 'ready', dataset.error);
      return created.body.id as string;
    };
    namedId = await upload('product', namedNpz());
    xyId = await upload('digits', xyNpz());
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('request', (r) => void (r.url().includes('/samples') && samplesRead.push(new URL(r.url()).search)));
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('the list names each array (by name) with its sample shape; an x/y dataset keeps its input shape', async () => {
    await page.goto(`${stack.api.url}/#/datasets`);
    const cells = (id: string) => texts(page, `tr[data-dataset-id="${id}"] td`);
    await page.locator(`tr[data-dataset-id="${namedId}"]`).waitFor();
    assert.equal((await cells(namedId))[4], 'category, image 8×8×1, photo 12×12×3, price, text 6');
    assert.equal((await cells(xyId))[4], '28×28');
  });

  test('the page lists every array (dtype, sample shape, range, kind) and shows its samples as it is read', async () => {
    await page.goto(`${stack.api.url}/#/datasets/${namedId}`);
    await page.locator('.named-array').first().waitFor();
    const row = async (name: string) => [
      await page.locator(`tr[data-array="${name}"] th`).innerText(),
      ...(await texts(page, `tr[data-array="${name}"] td`)),
    ];
    assert.deepEqual(await row('photo'), ['photo', 'uint8', '12×12×3', '0 … 255 (integers)', 'images']);
    assert.deepEqual(await row('image'), ['image', 'float32', '8×8×1', '—', 'images']);
    assert.deepEqual(await row('text'), ['text', 'int32', '6', '0 … 49 (integers)', 'token ids']);
    assert.deepEqual(await row('category'), ['category', 'int32', 'scalar', '0 … 2 (integers)', 'numbers']);
    assert.deepEqual(await row('price'), ['price', 'float32', 'scalar', '0.5 … 36.75', 'numbers']);

    // Images: the api's PNGs (uint8) and the page's own drawing of float values, both loaded at their size.
    const sizes = (name: string) =>
      page.$$eval(`.named-array[data-array="${name}"] img`, (imgs) =>
        imgs.map((img: any) => `${img.complete && img.naturalWidth}x${img.naturalHeight}`),
      );
    await page.waitForFunction(() =>
      [...(globalThis as any).document.querySelectorAll('.named-array img')].every((i: any) => i.complete),
    );
    assert.deepEqual(await sizes('photo'), Array(24).fill('12x12'));
    assert.deepEqual(await sizes('image'), Array(24).fill('8x8'));
    assert.equal(await page.getByRole('img', { name: 'image, sample 3' }).count(), 1);

    // Token ids: one row of integers per sample; numbers: one value per sample.
    assert.deepEqual(
      await texts(page, '.named-array[data-array="text"] li'),
      Array.from({ length: 8 }, (_, r) => `[${text.slice(r * 6, r * 6 + 6).join(', ')}]`),
    );
    assert.deepEqual(await texts(page, '.named-array[data-array="category"] li'), category.slice(0, 24).map(String));
    assert.deepEqual(await texts(page, '.named-array[data-array="price"] li'), price.slice(0, 24).map(String));
    assert.equal(await page.getByText('Arrays', { exact: true }).count(), 2, 'the fact and the section title');
    assert.deepEqual(samplesRead, ['?n=24'], 'as many samples as the page shows, read once');
    await page.screenshot({ path: `${SHOTS}/dataset-named-arrays.png`, fullPage: true });

    // At phone width the table scrolls in its own box: the page is no wider than the screen.
    await page.setViewportSize({ width: 390, height: 800 });
    const overflow = await page.evaluate(
      () => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth,
    );
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('an x/y dataset keeps its input, labels and grid of digits, and shows no arrays', async () => {
    await page.goto(`${stack.api.url}/#/datasets/${xyId}`);
    await page.getByTestId('sample-grid').waitFor();
    assert.equal(await page.locator('[data-testid="sample-grid"] img').count(), 4);
    assert.equal(await page.getByText('Input', { exact: true }).count(), 1);
    assert.equal(await page.locator('.named-array').count(), 0);
    assert.equal(await page.getByRole('heading', { name: 'Arrays' }).count(), 0);
    assert.deepEqual(pageErrors, []);
  });
});
