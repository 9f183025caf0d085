/**
 * The code's structure, checked on every source file: layers import downwards only, no file cycle, no property
 * named outside its own file, small functions in exhaustive/, small files, short lines. The rules are docs/
 * architecture.md's; a failure names the file and line.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@babel/parser';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROPERTIES } from '../properties/registry.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The layers, lowest first: a file may import from its own layer and the ones before it. */
const LAYERS = ['model', 'trace', 'properties', 'exhaustive', 'check', 'render', 'bin', 'api'] as const;
const DIRS = [...LAYERS, 'bench', 'test'];
const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 400;
const MAX_LINE = 120;

interface Source {
  readonly path: string; // relative to the root, with '/'
  readonly text: string;
  readonly ast: ReturnType<typeof parse>;
}

function walk(dir: string, out: string[]): string[] {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

const SOURCES: Source[] = DIRS.filter((d) => existsSync(join(ROOT, d)))
  .flatMap((d) => walk(d, []))
  .map((path) => {
    const text = readFileSync(join(ROOT, path), 'utf8');
    const ast = parse(text, { sourceType: 'module', plugins: ['typescript'], errorRecovery: false });
    return { path, text, ast };
  });
const isTest = (p: string): boolean => /\.test\.[mc]?[jt]s$/.test(p) || p.startsWith('test/');
const PRODUCT = SOURCES.filter((s) => !isTest(s.path) && !s.path.startsWith('bench/'));

type Node = { type: string; loc?: { start: { line: number }; end: { line: number } } | null; [k: string]: unknown };

/** Every node of a tree, depth first. */
function* nodes(n: unknown): Generator<Node> {
  const stack: unknown[] = [n];
  while (stack.length > 0) {
    const x = stack.pop();
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    } else if (x !== null && typeof x === 'object' && typeof (x as Node).type === 'string') {
      yield x as Node;
      for (const k of Object.keys(x))
        if (k !== 'loc' && k !== 'leadingComments' && k !== 'trailingComments') stack.push((x as Node)[k]);
    }
  }
}

/** The relative imports of a file (static, re-exports and `import()` of a literal), as paths from the root. */
function imports(s: Source): { to: string; line: number }[] {
  const out: { to: string; line: number }[] = [];
  for (const n of nodes(s.ast.program)) {
    let spec: unknown = null;
    if (n.type === 'ImportDeclaration' || n.type === 'ExportNamedDeclaration' || n.type === 'ExportAllDeclaration') {
      spec = (n['source'] as Node | null)?.['value'];
    } else if (n.type === 'CallExpression' && (n['callee'] as Node).type === 'Import') {
      const a = (n['arguments'] as Node[])[0];
      if (a?.type === 'StringLiteral') spec = a['value'];
    }
    if (typeof spec === 'string' && spec.startsWith('.')) {
      out.push({
        to: relative(ROOT, resolve(ROOT, dirname(s.path), spec))
          .split('\\')
          .join('/'),
        line: n.loc!.start.line,
      });
    }
  }
  return out;
}

const layerOf = (p: string): number => LAYERS.indexOf(p.split('/')[0] as (typeof LAYERS)[number]);

test('layers import downwards only: model < trace < properties < exhaustive < check < render < bin', () => {
  const bad: string[] = [];
  for (const s of PRODUCT) {
    const from = layerOf(s.path);
    for (const i of imports(s)) {
      const to = layerOf(i.to);
      if (to > from) bad.push(`${s.path}:${i.line}: imports ${i.to} from a higher layer`);
    }
  }
  assert.equal(bad, []);
});

test('no import cycle between files', () => {
  const known = new Set(SOURCES.map((s) => s.path));
  const edges = new Map<string, string[]>();
  for (const s of SOURCES)
    edges.set(
      s.path,
      imports(s)
        .map((i) => i.to)
        .filter((t) => known.has(t)),
    );
  // Tarjan's strongly connected components, iteratively.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: { v: string; i: number }[] = [{ v: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const out = edges.get(top.v)!;
      if (top.i < out.length) {
        const w = out[top.i++]!;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === index.get(top.v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.v);
        if (scc.length > 1 || edges.get(top.v)!.includes(top.v)) cycles.push(scc.sort());
      }
    }
  }
  assert.equal(cycles, []);
});

/** The file that defines each property: `name: '<the name>'` in an object, or `const NAME = '<the name>'`. */
function ownFiles(): Map<string, string> {
  const names = new Set(PROPERTIES.map((p) => p.name));
  const own = new Map<string, string>();
  for (const s of PRODUCT.filter((x) => x.path.startsWith('properties/'))) {
    for (const n of nodes(s.ast.program)) {
      let value: Node | null = null;
      const key = n['key'] as Node | undefined;
      if (n.type === 'ObjectProperty' && key?.type === 'Identifier' && key['name'] === 'name')
        value = n['value'] as Node;
      if (n.type === 'VariableDeclarator') value = n['init'] as Node | null;
      if (value?.type === 'StringLiteral' && names.has(value['value'] as string))
        own.set(value['value'] as string, s.path);
    }
  }
  return own;
}

test('no source file outside a property own file names a property', () => {
  // properties/expected*.ts are the built-in policies' declared expectations: data about the properties by name.
  const allowed = new Set(['properties/expected.ts', 'properties/expected-linux-2025.ts']);
  const own = ownFiles();
  const bad: string[] = [];
  for (const s of PRODUCT) {
    if (allowed.has(s.path)) continue;
    for (const n of nodes(s.ast.program)) {
      if (n.type !== 'StringLiteral') continue;
      const v = n['value'] as string;
      if (own.has(v) && own.get(v) !== s.path) bad.push(`${s.path}:${n.loc!.start.line}: '${v}'`);
    }
  }
  assert.equal(bad, []);
});

test(`no function in exhaustive/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  const FN = new Set([
    'FunctionDeclaration',
    'FunctionExpression',
    'ArrowFunctionExpression',
    'ObjectMethod',
    'ClassMethod',
  ]);
  const bad: string[] = [];
  for (const s of PRODUCT.filter((x) => x.path.startsWith('exhaustive/'))) {
    for (const n of nodes(s.ast.program)) {
      if (!FN.has(n.type)) continue;
      const lines = n.loc!.end.line - n.loc!.start.line + 1;
      if (lines > MAX_FUNCTION_LINES) bad.push(`${s.path}:${n.loc!.start.line}: ${lines} lines`);
    }
  }
  assert.equal(bad, []);
});

test(`no source file is longer than ${MAX_FILE_LINES} lines`, () => {
  const bad = SOURCES.filter((s) => !isTest(s.path))
    .map((s) => ({ path: s.path, lines: s.text.split('\n').length - (s.text.endsWith('\n') ? 1 : 0) }))
    .filter((x) => x.lines > MAX_FILE_LINES)
    .map((x) => `${x.path}: ${x.lines} lines`);
  assert.equal(bad, []);
});

test(`no line is longer than ${MAX_LINE} characters`, () => {
  const bad: string[] = [];
  for (const s of SOURCES) {
    s.text.split('\n').forEach((l, i) => {
      if ([...l].length > MAX_LINE) bad.push(`${s.path}:${i + 1}: ${[...l].length} characters`);
    });
  }
  assert.equal(bad.slice(0, 20), [], `${bad.length} lines`);
});

test('the rules see the code: files, imports and properties were found', () => {
  assert.ok(PRODUCT.length > 100, `${PRODUCT.length} product files`);
  assert.ok(PRODUCT.some((s) => imports(s).length > 0));
  assert.equal(ownFiles().size, PROPERTIES.length, 'every property has a file that defines it');
});

test.run();
