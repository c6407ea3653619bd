#!/usr/bin/env node
// Checks that every public export of every package is documented: functions, classes and
// constants need TSDoc with an @example; interfaces and types need at least a TSDoc comment.
// Usage: node tools/check-docs.mjs [package ...]   (default: all packages)
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const names = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(join(root, 'packages')).filter((n) =>
      existsSync(join(root, 'packages', n, 'src/index.ts')),
    );

let problems = 0;
for (const name of names) {
  const entry = join(root, 'packages', name, 'src/index.ts');
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.declarations ?? [];
    if (declarations.length === 0) continue;
    const decl = declarations[0];
    // Only our own sources: re-exports of third-party names are not ours to document.
    if (!decl.getSourceFile().fileName.includes('/packages/')) continue;
    const docs = declarations.flatMap((d) => ts.getJSDocCommentsAndTags(d));
    const hasDoc = docs.length > 0;
    const hasExample = declarations.some((d) =>
      ts.getJSDocTags(d).some((t) => t.tagName.text === 'example'),
    );
    const needsExample =
      symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class) ||
      (symbol.flags & ts.SymbolFlags.Variable && !(symbol.flags & ts.SymbolFlags.TypeAlias));
    const where = `${name}: ${exported.getName()} (${decl.getSourceFile().fileName.replace(root, '')})`;
    if (!hasDoc) {
      console.log(`undocumented      ${where}`);
      problems++;
    } else if (needsExample && !hasExample) {
      console.log(`no @example       ${where}`);
      problems++;
    }
  }
}
if (problems > 0) {
  console.log(`\n${problems} public export(s) lack documentation`);
  process.exit(1);
}
console.log(`docs: every public export of ${names.join(', ')} is documented`);
