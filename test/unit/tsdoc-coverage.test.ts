/**
 * Every symbol the package exports (src/index.ts, the package's one entry point) carries TSDoc, and so does every
 * public member of its exported classes and interfaces, and every type parameter of those (`@typeParam`).
 * Members marked `@internal`, private and protected ones, and `#private` fields are not part of the surface.
 */
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("../../src/index.ts", import.meta.url));

function documented(sym: ts.Symbol, checker: ts.TypeChecker): boolean {
  if (sym.getDocumentationComment(checker).length > 0) return true;
  return (sym.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
}

function isInternal(decl: ts.Declaration): boolean {
  return ts.getJSDocTags(decl).some((t) => t.tagName.text === "internal");
}

/** The names given by `@typeParam` (or `@template`) tags on the declaration. */
function typeParamTags(decl: ts.Declaration): Set<string> {
  const names = new Set<string>();
  for (const tag of ts.getJSDocTags(decl)) {
    if (ts.isJSDocTemplateTag(tag)) for (const p of tag.typeParameters) names.add(p.name.text);
    else if (tag.tagName.text === "typeParam") {
      const text = typeof tag.comment === "string" ? tag.comment : ts.getTextOfJSDocComment(tag.comment);
      const name = /^\s*([A-Za-z_$][\w$]*)/.exec(text ?? "")?.[1];
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}

function undocumented(): string[] {
  const program = ts.createProgram([entry], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`cannot read ${entry}`);
  const missing: string[] = [];
  const seen = new Set<ts.Symbol>();
  const where = (d: ts.Declaration) => {
    const file = d.getSourceFile();
    return `${file.fileName.replace(/^.*\/src\//, "src/")}:${file.getLineAndCharacterOfPosition(d.getStart()).line + 1}`;
  };

  const visitMember = (owner: string, member: ts.Symbol) => {
    const decl = member.declarations?.[0];
    if (decl === undefined || ts.isTypeParameterDeclaration(decl)) return;
    if (member.name.startsWith("#") || member.name === "__constructor" || member.name === "prototype") return;
    if (ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return;
    if (isInternal(decl)) return;
    if (!documented(member, checker)) missing.push(`${owner}.${member.name} (${where(decl)})`);
  };

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const sym = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (seen.has(sym)) continue;
    seen.add(sym);
    const decl = sym.declarations?.[0];
    if (decl === undefined || decl.getSourceFile().fileName.includes("node_modules")) continue;
    if (!documented(sym, checker)) missing.push(`${exported.name} (${where(decl)})`);
    if (!(sym.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) continue;
    for (const member of sym.members?.values() ?? []) visitMember(exported.name, member);
    const tagged = new Set((sym.declarations ?? []).flatMap((d) => [...typeParamTags(d)]));
    for (const d of sym.declarations ?? []) {
      if (!ts.isClassDeclaration(d) && !ts.isInterfaceDeclaration(d)) continue;
      for (const p of d.typeParameters ?? []) {
        if (!tagged.has(p.name.text)) missing.push(`${exported.name}<${p.name.text}> (@typeParam, ${where(d)})`);
      }
    }
  }
  return [...new Set(missing)];
}

describe("TSDoc", () => {
  it("documents every exported symbol, every public member of exported classes and interfaces, and their type parameters", () => {
    expect(undocumented()).toEqual([]);
  });
});
