/**
 * Builds the web console into dist/console: esbuild bundles console/src/main.tsx (and the CSS it
 * imports) into dist/console/assets/ with content-hashed names, minified, with source maps; then
 * index.html is copied with its `./assets/main.js` and `./assets/main.css` references replaced by
 * the hashed names. Everything the page needs is in dist/console: no CDN, no network at run time.
 * Type checking is not done here (console/tsconfig.json, run by `npm run build` before this).
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(consoleDir);
const outDir = join(repoRoot, 'dist', 'console');
const assetsDir = join(outDir, 'assets');
const entryPoint = join(consoleDir, 'src', 'main.tsx');

/** The stable names index.html uses; the build swaps in the hashed file names. */
const SCRIPT_PLACEHOLDER = './assets/main.js';
const STYLESHEET_PLACEHOLDER = './assets/main.css';

/** Bundles the entry point; returns the hashed script and stylesheet file names. */
async function bundle() {
  const result = await build({
    entryPoints: { main: entryPoint },
    outdir: assetsDir,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    absWorkingDir: repoRoot,
    logLevel: 'warning',
  });
  const entryRelative = relative(repoRoot, entryPoint).split('\\').join('/');
  const output = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === entryRelative);
  if (!output) throw new Error(`esbuild produced no output for ${entryRelative}`);
  const [scriptPath, meta] = output;
  return { script: basename(scriptPath), stylesheet: meta.cssBundle ? basename(meta.cssBundle) : undefined };
}

/** index.html with the placeholders replaced; each placeholder must appear exactly once. */
function renderIndexHtml(template, files) {
  const replaceOnce = (html, placeholder, file) => {
    const parts = html.split(`"${placeholder}"`);
    if (parts.length !== 2) throw new Error(`console/index.html must reference "${placeholder}" exactly once`);
    if (file === undefined) throw new Error(`console/index.html links ${placeholder}, but the bundle has no CSS (import the stylesheet from main.tsx)`);
    return parts.join(`"./assets/${file}"`);
  };
  return replaceOnce(replaceOnce(template, SCRIPT_PLACEHOLDER, files.script), STYLESHEET_PLACEHOLDER, files.stylesheet);
}

await rm(assetsDir, { recursive: true, force: true });
await mkdir(assetsDir, { recursive: true });
const files = await bundle();
const template = await readFile(join(consoleDir, 'index.html'), 'utf8');
await writeFile(join(outDir, 'index.html'), renderIndexHtml(template, files));
process.stdout.write(`console built: dist/console/index.html, assets/${files.script}, assets/${files.stylesheet}\n`);
