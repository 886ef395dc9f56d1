// Noether Lab's extension entry point: wiring only. The context object owns every service and
// disposable; commands come from a table of factories (src/editor/commands/commands.ts).
import * as vscode from 'vscode';
import { COMMANDS, WEBVIEW_COMMAND_IDS } from './editor/commands/commands';
import { Ctx, NoetherLabApi } from './editor/ctx';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): NoetherLabApi {
  const c = new Ctx(context);
  ctx = c;
  context.subscriptions.push(c);
  for (const [id, factory] of Object.entries(COMMANDS)) {
    const run = factory(c);
    c.own(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await run(...args);
        } catch (e) {
          c.log.error(`${id} failed: ${e instanceof Error ? e.stack : String(e)}`);
          void vscode.window.showErrorMessage(`Noether Lab: ${e instanceof Error ? e.message : String(e)}`);
          return undefined;
        }
      }),
    );
  }
  // Buttons in the panel run the same commands for the panel's file.
  c.own(
    c.panel.onDidReceiveCommand(({ uri, command, args }) => {
      const id = WEBVIEW_COMMAND_IDS[command];
      if (!id) return c.log.warn(`unknown command from the panel: ${command}`);
      const extra = command === 'run' || command === 'compare' ? [typeof args === 'number' ? args : (args as { run?: number } | undefined)?.run] : [];
      void vscode.commands.executeCommand(id, uri, ...extra);
    }),
  );
  return c.api();
}

export function deactivate(): void {
  // Forgotten first: a dispose that throws (after disposing everything) leaves no half-dead context.
  const c = ctx;
  ctx = undefined;
  c?.dispose();
}
