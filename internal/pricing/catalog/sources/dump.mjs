// Prints the provider price data shipped in @pydantic/genai-prices as JSON.
// The package embeds its data as a literal array in dist/index.js and does
// not export it; this evaluates that literal only (no network, nothing else
// of the package is loaded or run).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.join(here, 'node_modules', '@pydantic', 'genai-prices', 'dist', 'index.js');
const src = fs.readFileSync(file, 'utf8');
const start = src.indexOf('const E = [');
const end = src.indexOf('\n], J = {');
if (start !== 0 || end < 0) {
  throw new Error(`${file}: provider data literal not found; the package layout changed`);
}
const literal = src.slice('const E = '.length, end + 2);
const data = Function(`"use strict"; return (${literal});`)();
process.stdout.write(JSON.stringify(data, null, 1) + '\n');
