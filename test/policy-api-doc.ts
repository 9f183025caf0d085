/**
 * docs/policy-api.md, generated from the sources: what a policy file can use (every export of model/index.ts, the
 * API a policy file imports as 'apmc' or receives as its factory's argument), the Policy interface member by member
 * with each callback's signature, and the built-in policies under their export names. Declarations are read with
 * @babel/parser: signatures and types are the source text of the declarations, descriptions their doc comments.
 *
 *   npm run docs:api        write docs/policy-api.md
 *   test/policy-api-doc.test.ts fails when the file is not what this generates.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@babel/parser';
import type {
  Comment,
  Declaration,
  ExportNamedDeclaration,
  Node,
  Statement,
  TSInterfaceDeclaration,
  TSPropertySignature,
} from '@babel/types';
import { POLICIES } from '../model/index.ts';
import { CALLBACKS, type CallbackName } from '../model/policy.ts';
import { writeFileSafe } from '../bin/safe-write.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DOC = join(ROOT, 'docs/policy-api.md');

interface Module {
  readonly path: string;
  readonly src: string;
  readonly body: Statement[];
}

const modules = new Map<string, Module>();

function mod(path: string): Module {
  let m = modules.get(path);
  if (!m) {
    const src = readFileSync(path, 'utf8');
    const ast = parse(src, { sourceType: 'module', plugins: ['typescript'] });
    m = { path, src, body: ast.program.body };
    modules.set(path, m);
  }
  return m;
}

const rel = (path: string): string => relative(ROOT, path).split('\\').join('/');
const target = (from: Module, spec: string): string => join(dirname(from.path), spec);
const text = (m: Module, n: Node): string => m.src.slice(n.start!, n.end!);

/**
 * The doc comment of the node at `start` as one paragraph, the leading `*`s and the line breaks gone; a comment
 * separated from the node by a blank line (a file's header) is not its doc.
 */
function docOf(m: Module, start: number, comments: readonly Comment[] | null | undefined): string {
  const c = comments?.filter((x) => x.type === 'CommentBlock' && x.value.startsWith('*')).at(-1);
  if (!c || /\n\s*\n/.test(m.src.slice(c.end!, start))) return '';
  return c.value
    .split('\n')
    .map((l) => l.replace(/^\s*\*+ ?/, '').trim())
    .filter((l) => l !== '')
    .join(' ')
    .trim();
}

/** Source text without its comments, its lines trimmed of the indentation they had. */
function code(m: Module, n: Node): string {
  let s = text(m, n);
  const cs = [...(n.innerComments ?? []), ...collectComments(n)].sort((a, b) => b.start! - a.start!);
  for (const c of cs) {
    if (c.start! < n.start! || c.end! > n.end!) continue;
    s = s.slice(0, c.start! - n.start!) + s.slice(c.end! - n.start!);
  }
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  const indent = Math.min(...lines.slice(1).map((l) => /^ */.exec(l)![0].length), Infinity);
  return lines.map((l, i) => (i === 0 || indent === Infinity ? l : l.slice(indent))).join('\n');
}

function collectComments(n: Node): Comment[] {
  const out: Comment[] = [];
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) walk(y);
      return;
    }
    const o = x as Record<string, unknown>;
    for (const k of ['leadingComments', 'trailingComments', 'innerComments']) {
      const cs = o[k] as Comment[] | undefined;
      if (cs) out.push(...cs);
    }
    for (const [k, v] of Object.entries(o)) {
      if (k.endsWith('Comments') || k === 'loc') continue;
      if (typeof v === 'object') walk(v);
    }
  };
  walk(n);
  return [...new Map(out.map((c) => [c.start, c])).values()];
}

interface Entry {
  readonly name: string;
  readonly kind: 'function' | 'const' | 'interface' | 'type' | 'class';
  /** The declaration as code: a function's or an arrow's signature, a type's whole text. */
  readonly code: string;
  readonly doc: string;
  readonly from: string;
}

/** The signature of `export const x = (…): T => …` or `export const x: T = …`. */
function constCode(m: Module, d: Declaration & { type: 'VariableDeclaration' }): string[] {
  return d.declarations.map((v) => {
    const id = v.id as Node & { name: string; typeAnnotation?: Node | null };
    const init = v.init as (Node & { type: string; body?: Node; expression?: Node }) | null | undefined;
    if (id.typeAnnotation) return `const ${code(m, id)}`;
    if (init && init.type === 'ArrowFunctionExpression' && init.body) {
      return `const ${id.name} = ${m.src.slice(init.start!, init.body.start!).replace(/\s*=>[\s(]*$/, '')} => …`;
    }
    if (init && /^(Numeric|String|Boolean)Literal$/.test(init.type)) return `const ${id.name} = ${text(m, init)}`;
    if (init && init.type === 'TSAsExpression') {
      return `const ${id.name} = … as ${text(m, (init as unknown as { typeAnnotation: Node }).typeAnnotation)}`;
    }
    if (init && init.type === 'TSSatisfiesExpression') return `const ${id.name} = { … }`;
    return `const ${id.name}`;
  });
}

function entryOf(m: Module, d: Declaration, doc: string): Entry[] {
  const from = rel(m.path);
  switch (d.type) {
    case 'FunctionDeclaration':
      return [{ name: d.id!.name, kind: 'function', code: m.src.slice(d.start!, d.body.start!).trim(), doc, from }];
    case 'VariableDeclaration':
      return d.declarations.map((v, i) => ({
        name: (v.id as { name: string }).name,
        kind: 'const' as const,
        code: constCode(m, d)[i]!,
        doc,
        from,
      }));
    case 'TSInterfaceDeclaration':
      return [{ name: d.id.name, kind: 'interface', code: code(m, d), doc, from }];
    case 'TSTypeAliasDeclaration':
      return [{ name: d.id.name, kind: 'type', code: code(m, d), doc, from }];
    case 'ClassDeclaration':
      return [{ name: d.id!.name, kind: 'class', code: `class ${d.id!.name}`, doc, from }];
    default:
      return [];
  }
}

/** The declaration of `name` in module `m` (following imports and re-exports), as an Entry. */
function find(m: Module, name: string): Entry | null {
  for (const s of m.body) {
    const inner = s.type === 'ExportNamedDeclaration' ? s.declaration : s;
    const doc = docOf(m, s.start!, s.leadingComments);
    if (inner && inner.type !== 'ExportNamedDeclaration') {
      const es = entryOf(m, inner as Declaration, doc).filter((e) => e.name === name);
      if (es.length > 0) return es[0]!;
    }
  }
  for (const s of m.body) {
    if (s.type === 'ImportDeclaration') {
      for (const sp of s.specifiers) {
        if (sp.local.name !== name) continue;
        const imported = sp.type === 'ImportSpecifier' ? (sp.imported as { name: string }).name : name;
        return find(mod(target(m, s.source.value)), imported);
      }
    }
    if (s.type === 'ExportNamedDeclaration' && s.source) {
      for (const sp of s.specifiers) {
        if ((sp.exported as { name: string }).name !== name || sp.type !== 'ExportSpecifier') continue;
        return find(mod(target(m, s.source.value)), sp.local.name);
      }
    }
  }
  return null;
}

/** The names module `m` exports, in source order (`export *` followed). */
function exportsOf(m: Module): string[] {
  const out: string[] = [];
  for (const s of m.body) {
    if (s.type === 'ExportNamedDeclaration') {
      if (s.declaration) out.push(...entryOf(m, s.declaration, '').map((e) => e.name));
      for (const sp of s.specifiers) out.push((sp.exported as { name: string }).name);
    } else if (s.type === 'ExportAllDeclaration') out.push(...exportsOf(mod(target(m, s.source.value))));
  }
  return [...new Set(out)];
}

/** One group per `export` statement of model/index.ts: its module, and what it brings. */
interface Group {
  readonly title: string;
  readonly entries: Entry[];
}

function groups(index: Module): Group[] {
  const out: Group[] = [];
  for (const s of index.body) {
    if (s.type === 'ExportAllDeclaration') {
      const t = mod(target(index, s.source.value));
      const entries = exportsOf(t)
        .map((n) => find(t, n))
        .filter((e): e is Entry => e !== null);
      out.push({ title: `${rel(t.path)}: everything it exports`, entries });
    } else if (s.type === 'ExportNamedDeclaration' && s.source) {
      const t = mod(target(index, s.source.value));
      for (const sp of s.specifiers) {
        if (sp.type === 'ExportNamespaceSpecifier') {
          const ns = (sp.exported as { name: string }).name;
          const entries = exportsOf(t)
            .map((n) => find(t, n))
            .filter((e): e is Entry => e !== null)
            .map((e) => ({ ...e, name: `${ns}.${e.name}` }));
          out.push({ title: `\`${ns}\`: the namespace of ${rel(t.path)}`, entries });
        }
      }
      const named = s.specifiers.filter((sp) => sp.type === 'ExportSpecifier');
      if (named.length > 0) {
        const entries = named
          .map((sp) => find(t, (sp as { local: { name: string } }).local.name))
          .filter((e): e is Entry => e !== null);
        out.push({
          title: `${rel(t.path)}: ${named.map((sp) => (sp.exported as { name: string }).name).join(', ')}`,
          entries,
        });
      }
    }
  }
  return out;
}

const fence = (s: string): string[] => ['```ts', ...s.split('\n'), '```'];

/** A description as `//` lines of at most 100 columns. */
function comment(doc: string): string[] {
  const out: string[] = [];
  let line = '//';
  for (const w of doc.split(' ')) {
    if (line.length + 1 + w.length > 100 && line !== '//') {
      out.push(line);
      line = '//';
    }
    line += ` ${w}`;
  }
  out.push(line);
  return out;
}

function policyMembers(m: Module): string[] {
  const decl = m.body
    .map((s) => (s.type === 'ExportNamedDeclaration' ? (s as ExportNamedDeclaration).declaration : null))
    .find((d): d is TSInterfaceDeclaration => d?.type === 'TSInterfaceDeclaration' && d.id.name === 'Policy')!;
  const out: string[] = [];
  for (const p of decl.body.body as TSPropertySignature[]) {
    const name = (p.key as { name: string }).name;
    const cb = (CALLBACKS as Record<string, { result: string; optional: boolean } | undefined>)[name];
    const type = p.typeAnnotation ? code(m, p.typeAnnotation.typeAnnotation) : '';
    const opt = p.optional ? '?' : '';
    out.push(`### \`${name}${opt}\``, '', ...fence(`${name}${opt}: ${type}`), '');
    if (cb)
      out.push(`A callback. Returns ${RESULT[cb.result]}.${cb.optional ? ' A design may have none: `null`.' : ''}`);
    const doc = docOf(m, p.start!, p.leadingComments);
    if (doc) out.push(...(cb ? [''] : []), doc);
    if (cb || doc) out.push('');
  }
  return out;
}

const RESULT: Record<string, string> = {
  state: 'the next `State`; it cannot fail',
  outcome: 'an `Outcome`: the next `State`, or the `Errno` the kernel returns (the state unchanged)',
  reported: 'a `Reported`: the state after the work, and the errno it reports, if any',
  boolean: 'true or false',
};

/** The whole of docs/policy-api.md. */
export function policyApiDoc(): string {
  const index = mod(join(ROOT, 'model/index.ts'));
  const policy = mod(join(ROOT, 'model/policy.ts'));
  const builtins = mod(join(ROOT, 'model/policies/index.ts'));
  const nameOfExport = (exp: string): string | undefined => {
    for (const s of builtins.body) {
      if (s.type !== 'ExportNamedDeclaration' || s.declaration?.type !== 'VariableDeclaration') continue;
      const obj = s.declaration.declarations[0]?.init as Node & { properties?: { key: Node; value: Node }[] };
      for (const pr of obj.properties ?? []) {
        if (text(builtins, pr.value) === exp) return text(builtins, pr.key).replace(/'/g, '');
      }
    }
    return undefined;
  };
  const cbNames = Object.keys(CALLBACKS) as CallbackName[];
  const lines: string[] = [
    '# The policy API',
    '',
    '<!-- Generated by `npm run docs:api` (test/policy-api-doc.ts) from model/index.ts and model/policy.ts. Do not',
    '     edit: test/policy-api-doc.test.ts fails when this file is not what the sources give. -->',
    '',
    'What a policy file can use: every export of `model/index.ts`. A policy file reaches it in either of two ways,',
    'wherever the file is and whatever `package.json` is near it (a policy file is loaded as an ES module):',
    '',
    '- its default export is a function `(api) => policy`: `api` is this module, and the file needs no import',
    "  (`import type * as Apmc from 'apmc'` gives an editor the types inside the repository; apmc erases it);",
    "- it imports what it uses: `import { extend, upstream } from 'apmc'`. apmc resolves `'apmc'` to its own",
    '  `model/index.ts` for every policy file it loads, inside the repository or not (the same module instance as',
    '  apmc itself uses, so `upstream` is the built-in object). Outside apmc, tools that type-check the file need',
    '  the package installed or a path mapping.',
    '',
    'The default export may also be a policy object, or the file may export it as `policy`.',
    '',
    'apmc reads what a file exports once, when it loads it, and refuses (one line, exit 2) a policy whose `base` is',
    'not itself a policy, or whose `expected` names an unknown property (a name or a spec id such as `I7`; see',
    "`apmc properties`), or gives an entry other than `null` or `{ kind: 'design' | 'modelling', why, foundBy? }`",
    'with `why` a non-empty sentence without control characters. A spec id stands for every property with that id;',
    'an entry by name wins over one by spec id. A file policy is named by its path; the `name` it declares must not',
    'be a built-in name.',
    '',
    '## The Policy interface',
    '',
    `A policy has a name, a summary, optionally a base and its expected violations, and ${cbNames.length} callbacks.`,
    'Every callback is pure: it returns a new state (or an errno) and never mutates its input. `cfg.policy` is the',
    'policy in force, so a callback a policy did not override sees the ones it did.',
    '',
    ...policyMembers(policy),
    '## The built-in policies',
    '',
    '| export | `--policy` name | summary |',
    '|---|---|---|',
  ];
  for (const s of builtins.body) {
    if (s.type !== 'ExportNamedDeclaration' || s.declaration || s.source) continue;
    for (const sp of s.specifiers) {
      const exp = (sp.exported as { name: string }).name;
      const name = nameOfExport(exp);
      const p = name !== undefined ? POLICIES[name] : undefined;
      lines.push(`| \`${exp}\` | \`${name ?? '?'}\` | ${(p?.summary ?? '').replace(/\|/g, '\\|')} |`);
    }
  }
  lines.push('', '## Everything the API exports', '');
  for (const g of groups(index)) {
    lines.push(`### ${g.title}`, '');
    const body: string[] = [];
    for (const e of g.entries) {
      if (body.length > 0) body.push('');
      if (e.doc) body.push(...comment(e.doc));
      body.push(e.code);
    }
    lines.push(...fence(body.join('\n')), '');
  }
  return lines.join('\n').replace(/\n+$/, '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSafe(DOC, policyApiDoc(), 'replace');
  console.log(`wrote ${rel(DOC)}`);
}
