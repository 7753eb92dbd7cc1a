// Type-checks every ```ts block of README.md the way a new Nest app compiles it: under the
// compiler options of the Nest CLI's application template, with the package's entry points
// mapped to lib/ (the `paths` of tsconfig.json), so no build is needed.
// Names a block uses without importing or declaring them are imported for it: from the package,
// Nest and test/readme/fixtures.ts (the example app's own messages and services). A block right
// after `<!-- readme-check: class-body -->` holds class members; `<!-- readme-check: skip -->`
// leaves a block out. Usage: node test/readme/check.mjs (test/readme/readme.spec.ts runs it in `npm test`).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const ts = require('typescript');
const out = join(root, 'build', 'readme-check');
const MARKER = /^<!--\s*readme-check:\s*(skip|class-body)\s*-->$/;

/** The ```ts blocks of the README, with the line each starts on and its marker. */
function readmeBlocks() {
  return pages().flatMap(pageBlocks);
}

/** The pages whose examples are checked, relative to the repository root. */
function pages() {
  const docs = readdirSync(join(root, 'docs'), { recursive: true })
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file))
    .sort();
  return ['README.md', 'CONTRIBUTING.md', ...docs];
}

/** The ```ts blocks of one page. */
function pageBlocks(page) {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const marker = MARKER.exec(lines[i - 1]?.trim() ?? '')?.[1];
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    blocks.push({ page, line: start + 1, marker, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The template's tsconfig.json, as `nest new` writes it (strict), with the package's entry points in lib/. */
function templateCompilerOptions() {
  const template = require.resolve('@nestjs/schematics/dist/lib/application/files/ts/tsconfig.json');
  const { compilerOptions } = JSON.parse(readFileSync(template, 'utf8').replace('<%= strict %>', 'true'));
  return { ...compilerOptions, types: ['node'], incremental: false, noEmit: true, outDir: undefined, rootDir: undefined, paths: packagePaths() };
}

/** tsconfig.json's `paths` (each entry point of the package to its lib/ source), made absolute. */
function packagePaths() {
  const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  return Object.fromEntries(
    Object.entries(config.compilerOptions.paths).map(([specifier, targets]) => [specifier, targets.map((target) => join(root, target))]),
  );
}

function parsedOptions() {
  return ts.convertCompilerOptionsFromJson(templateCompilerOptions(), out).options;
}

/**
 * Name -> module for every name the examples may use without importing it (the first module wins),
 * and the program that read them, for the check to reuse.
 */
function importableNames() {
  const modules = [
    ['./fixtures.js', join(out, 'fixtures.ts')],
    ...Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports)
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => [`nestjs-message-bus${subpath.slice(1)}`]),
    ['@nestjs/common'],
    ['@nestjs/core'],
    ['@nestjs/terminus'],
    ['@nestjs/platform-ws'],
    ['@nestjs/microservices'],
  ];
  const names = new Map([
    ['Cluster', { from: 'ioredis' }],
    ['IncomingMessage', { from: 'node:http' }],
    ['request', { from: 'supertest', isDefault: true }],
    ['expect', { from: 'vitest' }],
    ['lastValueFrom', { from: 'rxjs' }],
  ]);
  const files = modules.map(([from, file]) => file ?? resolveTypes(from));
  const program = ts.createProgram(files, parsedOptions());
  const checker = program.getTypeChecker();
  modules.forEach(([from], index) => {
    const symbol = checker.getSymbolAtLocation(program.getSourceFile(files[index]));
    for (const exported of checker.getExportsOfModule(symbol)) {
      if (!names.has(exported.name)) names.set(exported.name, { from });
    }
  });
  return { names, program };
}

function resolveTypes(specifier) {
  const { resolvedModule } = ts.resolveModuleName(specifier, join(out, 'index.ts'), parsedOptions(), ts.sys);
  if (!resolvedModule) throw new Error(`cannot resolve ${specifier}`);
  return resolvedModule.resolvedFileName;
}

/** Names a block declares or imports at its top level, and every other identifier it uses. */
function namesOf(code) {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest, true);
  const declared = new Set();
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) declared.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((element) => declared.add(element.name.text));
      if (bindings && ts.isNamespaceImport(bindings)) declared.add(bindings.name.text);
    } else if (ts.isVariableStatement(statement)) {
      statement.declarationList.declarations.forEach((declaration) => ts.isIdentifier(declaration.name) && declared.add(declaration.name.text));
    } else if (statement.name && ts.isIdentifier(statement.name)) {
      declared.add(statement.name.text);
    }
  }
  const used = new Set();
  const visit = (node) => {
    if (ts.isIdentifier(node) && !isMemberName(node)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { declared, used };
}

function isMemberName(node) {
  const { parent } = node;
  return (
    ((ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent)) && parent.name === node) ||
    ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) || ts.isMethodSignature(parent)) && parent.name === node)
  );
}

function importsFor(code, names) {
  const { declared, used } = namesOf(code);
  const byModule = new Map();
  for (const name of used) {
    const source = names.get(name);
    if (!source || declared.has(name)) continue;
    if (source.isDefault) {
      byModule.set(`default:${source.from}`, `import ${name} from '${source.from}';`);
      continue;
    }
    byModule.set(source.from, [...(byModule.get(source.from) ?? []), name]);
  }
  return [...byModule].map(([from, imported]) => (typeof imported === 'string' ? imported : `import { ${imported.join(', ')} } from '${from}';`));
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(root, 'test', 'readme', 'fixtures.ts'), join(out, 'fixtures.ts'));
// ES modules, as the CLI's ESM template: the examples use top-level await.
writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module', private: true }));

const { names, program: exportsProgram } = importableNames();
const blocks = readmeBlocks();
const origins = new Map();
const pageOf = new Map();
let checked = 0;
const files = [join(out, 'fixtures.ts')];
for (const [index, block] of blocks.entries()) {
  if (block.marker === 'skip') continue;
  const file = `block-${String(index + 1).padStart(2, '0')}.ts`;
  const imports = importsFor(block.code, names);
  pageOf.set(file, block.page);
  const [before, after] = block.marker === 'class-body'
    ? [[...imports, "import { ExampleMembers } from './fixtures.js';", 'export class Example extends ExampleMembers {'], ['}']]
    : [imports, ['export {};']];
  writeFileSync(join(out, file), [...before, block.code, ...after].join('\n') + '\n');
  files.push(join(out, file));
  origins.set(file, { readmeLine: block.line, offset: before.length });
  checked++;
}
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({ compilerOptions: templateCompilerOptions(), include: ['*.ts'] }, null, 2),
);

const skipped = blocks.length - checked;
const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram(files, parsedOptions(), undefined, exportsProgram));
if (diagnostics.length === 0) {
  console.log(`README examples: ${checked} ts blocks type-check (${skipped} skipped)`);
} else {
  const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => out, getNewLine: () => '\n' };
  // Point at README.md lines, not the generated files.
  const report = ts.formatDiagnostics(diagnostics, host).replace(/^(?:\S*\/)?(block-\d+\.ts)\((\d+),(\d+)\)/gm, (match, file, line, column) => {
    const origin = origins.get(file);
    return origin ? `${pageOf.get(file)}(${origin.readmeLine + Number(line) - 1 - origin.offset},${column}) [build/readme-check/${file}]` : match;
  });
  console.error(report);
  console.error(`README examples: FAILED (${checked} ts blocks checked, ${skipped} skipped; the files are in build/readme-check/)`);
  process.exit(1);
}
