// Loads every entry point of the installed package both ways a consumer can: require() (a
// CommonJS app, Jest; Node's require(esm)) and import(). Exits non-zero naming what failed.
const { exports: entries } = require('nestjs-message-bus/package.json');

async function main() {
  const failures = [];
  for (const subpath of Object.keys(entries)) {
    const specifier = `nestjs-message-bus${subpath.slice(1)}`;
    try {
      const json = subpath.endsWith('.json');
      const required = require(specifier);
      const imported = await import(specifier, json ? { with: { type: 'json' } } : undefined);
      const names = (module) => Object.keys(module).filter((name) => name !== 'default' && name !== 'module.exports').sort();
      if (json) {
        if (required.name !== 'nestjs-message-bus' || imported.default.name !== 'nestjs-message-bus') throw new Error('wrong package.json');
      } else if (names(required).length === 0 || names(required).join() !== names(imported).join()) {
        throw new Error(`require() gave [${names(required)}], import() gave [${names(imported)}]`);
      }
      console.log(`ok ${specifier} (${json ? 'JSON' : `${names(required).length} exports`})`);
    } catch (error) {
      failures.push(specifier);
      console.error(`FAILED ${specifier}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) process.exit(1);
}

main();
