#!/usr/bin/env node
'use strict';
// Launcher for the `atrium` command-line client (src/cli). It runs the compiled CLI from dist/ when
// `npm run build` has produced one that is not older than the sources, and otherwise the TypeScript
// sources through ts-node (transpile only). ATRIUM_CLI_FROM_SOURCE=1 forces the sources.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const compiled = path.join(root, 'dist', 'src', 'cli', 'main.js');
const sources = path.join(root, 'src', 'cli');

function newestSource() {
  try {
    return Math.max(...fs.readdirSync(sources).map((f) => fs.statSync(path.join(sources, f)).mtimeMs));
  } catch {
    return 0;
  }
}

function useCompiled() {
  if (process.env.ATRIUM_CLI_FROM_SOURCE) return false;
  try {
    return fs.statSync(compiled).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

function fromSources() {
  let tsNode;
  try {
    tsNode = require('ts-node');
  } catch {
    process.stderr.write('Error: the atrium CLI is not built and ts-node is not installed. Run `npm install` and `npm run build`.\n');
    process.exit(1);
  }
  // swc transpiles much faster than TypeScript itself; both only strip types here (no type check).
  let swc = true;
  try {
    require.resolve('@swc/core');
  } catch {
    swc = false;
  }
  tsNode.register({ transpileOnly: true, swc, project: path.join(root, 'tsconfig.json') });
  return require(path.join(sources, 'main.ts'));
}

const cli = useCompiled() ? require(compiled) : fromSources();

cli.run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  process.stdin.unref?.();
});
