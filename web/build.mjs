// Builds the dashboard into OUT (default: ./build): Open MCT's distribution (from npm, never
// committed) and our plugin. `npm ci && node build.mjs OUT` — run by CMake (target aus_web).
import { cpSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, 'build'));
const dist = join(here, 'node_modules', 'openmct', 'dist');
if (!existsSync(join(dist, 'openmct.js'))) {
  console.error(`build.mjs: ${dist}/openmct.js is missing: run "npm ci" in ${here} first`);
  process.exit(1);
}
// only what this script makes: OUT is also CMake's binary folder of web/ (cmake_install.cmake)
rmSync(join(out, 'openmct'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(dist, join(out, 'openmct'), {
  recursive: true,
  filter: (p) => !p.endsWith('.map')
});
cpSync(join(here, 'src'), out, { recursive: true });
console.log(`dashboard built in ${out}`);
