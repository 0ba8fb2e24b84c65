/**
 * The Dockerfile cannot be built here (no Docker engine), so these tests check what a build would trip
 * over: files it copies that are missing or excluded from the build context, copies from a stage that
 * does not produce them, npm scripts that do not exist, compose targets the Dockerfile lacks, and the
 * choices the images depend on (tfjs versions, CUDA, non-root users, what the containers run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema } from '../../src/config/config.ts';
import { copyParts, execForm, lastOf, lineage, parseDockerfile, type Dockerfile, type Stage } from './dockerfile.ts';
import { dockerignoreMatcher } from './dockerignore.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(ROOT + path, 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const ignored = dockerignoreMatcher(read('.dockerignore'));
const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, { build?: { target?: string } }> };

/** The final images and the npm script each one runs. */
const TARGETS = { api: 'api', worker: 'worker', 'worker-cpu': 'worker' } as const;

const stageNames = dockerfile.stages.map((s) => s.name);
const stage = (name: string): Stage => {
  const found = dockerfile.stages.find((s) => s.name === name);
  assert.ok(found, `the Dockerfile has no stage "${name}" (it has ${stageNames.join(', ')})`);
  return found;
};
const isStage = (name: string) => stageNames.includes(name);

/** `${NAME}` in a FROM line, with the global ARG's default. */
const expandArgs = (value: string) =>
  value.replace(/\$\{?(\w+)\}?/g, (_, key: string) => dockerfile.globalArgs[key] ?? '');

/** Where COPY puts each of its sources, resolved against the WORKDIR at that point. */
function copyTargets(s: Stage): Array<{ from?: string; source: string; target: string }> {
  let workdir = '/';
  const targets: Array<{ from?: string; source: string; target: string }> = [];
  for (const instruction of s.instructions) {
    if (instruction.keyword === 'WORKDIR') workdir = posix.resolve(workdir, instruction.args);
    if (instruction.keyword !== 'COPY') continue;
    const { flags, sources, destination } = copyParts(instruction.args);
    const dest = posix.resolve(workdir, destination);
    const intoFolder = destination.endsWith('/') || sources.length > 1;
    for (const source of sources) {
      targets.push({
        from: flags.from,
        source,
        target: source === '.' ? dest : intoFolder ? posix.join(dest, basename(source)) : dest,
      });
    }
  }
  return targets;
}

/** The WORKDIR a stage ends with (inherited from the stage it is built on). */
const workdirOf = (name: string) => {
  let dir = '/';
  for (const s of lineage(dockerfile, name).reverse()) {
    for (const i of s.instructions) if (i.keyword === 'WORKDIR') dir = posix.resolve(dir, i.args);
  }
  return dir;
};

const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

/** True if `path` exists in the image a stage builds: copied into it, or written by its `npm ci`/installs. */
function produces(name: string, path: string): boolean {
  for (const s of lineage(dockerfile, name)) {
    const workdir = workdirOf(s.name);
    if (s.instructions.length === 0 && !isStage(s.base)) return true; // an image we only copy from (Node itself)
    for (const { source, target } of copyTargets(s)) {
      if (source === '.') {
        // The whole build context: the path must be a file of the repository that .dockerignore lets through.
        const relative = posix.relative(target, path);
        if (relative === '' || (!relative.startsWith('..') && existsSync(ROOT + relative) && !ignored(relative)))
          return true;
      } else if (path === target || path.startsWith(`${target}/`) || target.startsWith(`${path}/`)) return true;
    }
    const installs = runs(s).filter((r) => /\bnpm (ci|install)\b|install-tfjs-node/.test(r));
    if (installs.length && path === `${workdir}/node_modules`) return true;
    // Without --ignore-scripts, `npm ci` runs postinstall: the Prisma client and the dashboard.
    const withScripts = installs.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--ignore-scripts'));
    if (withScripts && [`${workdir}/src/generated`, `${workdir}/web/dist`].includes(path)) return true;
  }
  return false;
}

test('every file COPY takes from the build context exists and is not excluded by .dockerignore', () => {
  for (const s of dockerfile.stages) {
    for (const { from, source } of copyTargets(s)) {
      if (from || source === '.') continue;
      assert.ok(existsSync(ROOT + source), `stage ${s.name}: COPY ${source}: no such file in the repository`);
      assert.ok(!ignored(source), `stage ${s.name}: COPY ${source}: .dockerignore leaves it out of the build context`);
    }
  }
  // `COPY . .` then `npm ci` needs these in the context.
  for (const needed of [
    'package.json',
    'package-lock.json',
    'scripts/prisma-generate.mjs',
    'prisma/schema.prisma',
    'web/index.html',
    'src/api/main.ts',
  ]) {
    assert.ok(!ignored(needed), `.dockerignore must not exclude ${needed}`);
  }
  for (const generated of ['node_modules', 'web/node_modules', 'src/generated', 'web/dist', '.env', '.git', 'data']) {
    assert.ok(ignored(generated), `.dockerignore should exclude ${generated} (built in the image, secret or bulky)`);
  }
});

test('every COPY --from names an earlier stage that produces the path', () => {
  dockerfile.stages.forEach((s, index) => {
    for (const { from, source } of copyTargets(s)) {
      if (!from) continue;
      const earlier = dockerfile.stages.slice(0, index).map((e) => e.name);
      assert.ok(earlier.includes(from), `stage ${s.name}: COPY --from=${from}: no earlier stage of that name`);
      assert.ok(
        produces(from, source),
        `stage ${s.name}: COPY --from=${from} ${source}: stage ${from} neither copies nor generates it`,
      );
    }
  });
});

test('the build stage produces what the api image copies: postinstall generates the Prisma client and builds the dashboard', () => {
  const postinstall = pkg.scripts.postinstall ?? '';
  assert.match(postinstall, /prisma-generate/, 'package.json postinstall should generate the Prisma client');
  assert.match(
    postinstall,
    /build-web|build:web/,
    'package.json postinstall should build the dashboard (npm run build:web), which the api image copies from web/dist',
  );
  assert.ok(pkg.scripts['build:web'], 'package.json needs a build:web script (the dashboard build)');
});

test('every `npm run X` in the Dockerfile names a script of package.json', () => {
  for (const s of dockerfile.stages) {
    for (const instruction of s.instructions) {
      if (!['RUN', 'CMD', 'ENTRYPOINT'].includes(instruction.keyword)) continue;
      const words = execForm(instruction.args)?.join(' ') ?? instruction.args;
      for (const [, script] of words.matchAll(/\bnpm run(?:-script)? ([\w:.-]+)/g)) {
        assert.ok(pkg.scripts[script!], `line ${instruction.line}: npm run ${script}: package.json has no such script`);
      }
    }
  }
});

test("each image runs its npm script's command with node itself, behind tini, so SIGTERM reaches it", () => {
  for (const [target, script] of Object.entries(TARGETS)) {
    const cmd = execForm(lastOf(dockerfile, target, 'CMD')?.args ?? '');
    assert.ok(cmd, `${target}: CMD should be in exec form`);
    assert.deepEqual(cmd, pkg.scripts[script]!.split(' '), `${target}: CMD should run what \`npm run ${script}\` runs`);
    assert.ok(existsSync(ROOT + cmd.at(-1)!), `${target}: ${cmd.at(-1)} does not exist`);
    const entrypoint = execForm(lastOf(dockerfile, target, 'ENTRYPOINT')?.args ?? '');
    assert.deepEqual(
      entrypoint,
      ['/usr/bin/tini', '--'],
      `${target}: tini as PID 1 forwards signals and reaps children`,
    );
    const installed = lineage(dockerfile, target)
      .flatMap(runs)
      .some((r) => /apt-get install [^&]*\btini\b/.test(r));
    assert.ok(installed, `${target}: tini is not installed`);
  }
});

test('every build target docker-compose.yml names is a stage of the Dockerfile', () => {
  const targets = Object.entries(compose.services).filter(([, service]) => service.build);
  assert.ok(targets.length >= 3);
  for (const [service, { build }] of targets) {
    assert.ok(build?.target, `compose service ${service} builds without a target (it would get the last stage)`);
    stage(build.target);
  }
  for (const target of Object.keys(TARGETS)) stage(target);
});

test('images run as a non-root user and keep their data in /data', () => {
  for (const target of Object.keys(TARGETS)) {
    const user = lastOf(dockerfile, target, 'USER')?.args;
    assert.ok(user && user !== 'root' && user !== '0', `${target}: runs as root`);
    assert.ok(
      runs(stage(target)).some((r) => r.includes('chown node:node /data')),
      `${target}: /data is not the user's`,
    );
  }
});

test('the api image: production dependencies only, the dashboard, a HEALTHCHECK on /readyz', () => {
  const api = copyTargets(stage('api'));
  assert.ok(api.some((c) => c.from === 'prod-deps' && c.target === '/app/node_modules'));
  assert.match(runs(stage('prod-deps')).join(' '), /npm ci --omit=dev/);
  assert.ok(
    api.some((c) => c.from === 'build' && c.source === '/app/web/dist'),
    'the api image must contain web/dist',
  );
  assert.match(lastOf(dockerfile, 'api', 'HEALTHCHECK')?.args ?? '', /\/readyz/);
});

test('the worker images: tfjs-node(-gpu) of the same version as @tensorflow/tfjs, on CUDA 11.2 + cuDNN 8 for the GPU', () => {
  assert.equal(
    dockerfile.globalArgs.TFJS_VERSION,
    pkg.dependencies['@tensorflow/tfjs'],
    'a different tfjs-node version would install a second tfjs-core',
  );
  const installScript = read('deploy/install-tfjs-node.sh');
  assert.match(
    installScript,
    /npm install --no-save --omit=dev/,
    'the native backend must be added to production dependencies only',
  );

  const expectations = [
    {
      target: 'worker',
      pkg: '@tensorflow/tfjs-node-gpu',
      requireGpu: '1',
      base: /nvidia\/cuda:11\.2\.\d+-cudnn8-runtime/,
    },
    { target: 'worker-cpu', pkg: '@tensorflow/tfjs-node', requireGpu: '0', base: /^node:20/ },
  ];
  for (const e of expectations) {
    const modules = copyTargets(stage(e.target)).find((c) => c.target === '/app/node_modules');
    assert.ok(modules?.from, `${e.target}: node_modules should come from a deps stage`);
    const installs = lineage(dockerfile, modules.from).flatMap(runs).join('\n');
    assert.match(
      installs,
      new RegExp(`install-tfjs-node ${e.pkg} "\\$\\{TFJS_VERSION\\}"`),
      `${e.target}: ${e.pkg} is not installed`,
    );
    assert.ok(
      copyTargets(stage(modules.from)).some((c) => c.from === 'prod-deps' && c.source === '/app/node_modules'),
      `${e.target}: should start from the production dependencies`,
    );

    const root = lineage(dockerfile, e.target).at(-1)!;
    assert.match(expandArgs(root.base), e.base, `${e.target}: built on ${expandArgs(root.base)}`);
    const env = envOf(dockerfile, e.target);
    assert.equal(env.TFJS_BACKEND, 'tensorflow', `${e.target}: TFJS_BACKEND`);
    assert.equal(env.KILN_REQUIRE_GPU, e.requireGpu, `${e.target}: KILN_REQUIRE_GPU`);
  }
});

test('every setting the images set is one Kiln reads', () => {
  const settings = new Set(Object.keys(ConfigSchema.properties));
  for (const target of Object.keys(TARGETS)) {
    for (const key of Object.keys(envOf(dockerfile, target))) {
      if (key.startsWith('KILN_') || key === 'TFJS_BACKEND' || key === 'PORT') {
        assert.ok(settings.has(key), `${target}: ENV ${key} is not a setting of src/config/config.ts`);
      }
    }
  }
});

/** The ENV a target's image ends up with (KEY=value pairs of its lineage). */
function envOf(file: Dockerfile, target: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of lineage(file, target).reverse()) {
    for (const i of s.instructions) {
      if (i.keyword !== 'ENV') continue;
      for (const [, key, value] of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[key!] = value!.replace(/^"|"$/g, '');
    }
  }
  return env;
}
