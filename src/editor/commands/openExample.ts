// "Noether Lab: Open Example…" (the walkthrough's first step): one of the bundled examples opened
// as a new untitled `.loss` document, so nothing is written anywhere until the user saves it.
// Examples that read a CSV file are left out (an untitled document has no folder to read it from).
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';

/** The example the walkthrough opens when none is named. */
export const DEFAULT_EXAMPLE = 'two-layer-scalar';

/** The bundled examples that stand alone: name (file stem) and first comment line, sorted with the default first. */
export function standaloneExamples(dir: string): { name: string; title: string; text: string }[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.loss'));
  } catch {
    return [];
  }
  return files
    .map((f) => {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      const title = /^#\s*(.*)$/m.exec(text)?.[1] ?? f;
      return { name: f.replace(/\.loss$/, ''), title, text };
    })
    .filter((e) => !/\bfrom\s+["']/.test(e.text.replace(/#.*$/gm, '')))
    .sort((a, b) => Number(b.name === DEFAULT_EXAMPLE) - Number(a.name === DEFAULT_EXAMPLE) || a.name.localeCompare(b.name));
}

export const openExample =
  (ctx: Ctx) =>
  async (name?: unknown): Promise<vscode.TextEditor | undefined> => {
    const examples = standaloneExamples(path.join(ctx.extension.extensionPath, 'examples'));
    if (examples.length === 0) {
      void vscode.window.showErrorMessage('Noether Lab: the examples are missing from the installed extension.');
      return undefined;
    }
    let chosen = typeof name === 'string' ? examples.find((e) => e.name === name) : undefined;
    if (typeof name === 'string' && !chosen) {
      void vscode.window.showErrorMessage(`Noether Lab: no example \`${name}\` (examples: ${examples.map((e) => e.name).join(', ')}).`);
      return undefined;
    }
    if (!chosen) {
      const pick = await vscode.window.showQuickPick(
        examples.map((e) => ({ label: e.name, detail: e.title, example: e })),
        { title: 'Noether Lab: Open Example', placeHolder: 'An example learning problem (opened as a new, unsaved file)', matchOnDetail: true },
      );
      if (!pick) return undefined;
      chosen = pick.example;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'loss', content: chosen.text });
    ctx.log.info(`opened the example ${chosen.name} as an untitled document`);
    return vscode.window.showTextDocument(doc);
  };
