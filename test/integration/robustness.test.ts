// Robustness in a real VS Code (issue 10): a FIFO named as a data file does not hang the editor;
// a run simulates the version it was started on, whatever is typed meanwhile; a panel closed
// during a run stays closed; a run stopped during its start-up keeps the previous result.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  api,
  closeAll,
  fileUri,
  hoverText,
  messagesOfType,
  noetherDiagnostics,
  positionOf,
  QUICK,
  simulationAvailable,
  waitFor,
  workspaceRoot,
  writeFile,
} from './helpers';

function panelTab(uri: vscode.Uri): vscode.Tab | undefined {
  const title = `Noether Lab: ${path.posix.basename(uri.path)}`;
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === title);
}

suite('Noether Lab: robustness', () => {
  suiteTeardown(closeAll);

  test('a FIFO named as a CSV file does not hang the editor: its diagnostic appears and the other features keep working', async () => {
    const fifo = path.join(workspaceRoot().fsPath, 'pipe.csv');
    if (!fs.existsSync(fifo)) execFileSync('mkfifo', [fifo]);
    try {
      const uri = await writeFile('fifo.loss', 'param u = 1.5\nparam w = 0.2\ndata x, y from "pipe.csv"\nloss = (u*w*x - y)^2 / 2\n');
      const doc = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(doc);
      const d = await waitFor('the FIFO diagnostic', () => noetherDiagnostics(uri).find((x) => x.message.includes('named pipe')));
      assert.strictEqual(d.message, 'cannot read the data file "pipe.csv": it is a named pipe (FIFO), not a regular file; name a regular file');
      assert.deepStrictEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [2, 15, 2, 25]);
      // The extension host answers: a hover on this file, the analysis of another file, typing.
      assert.match(await hoverText(doc, positionOf(doc, 'loss', 0, 1)), /the per-example loss/);
      const other = await (await api()).analysisFor(fileUri('two-layer-scalar.loss'));
      assert.strictEqual(other.symmetries.length, 1);
      await editor.edit((e) => e.insert(new vscode.Position(4, 0), '# still typing\n'));
      const version = doc.version;
      await waitFor('the diagnostic of the edited version', async () => {
        const a = await (await api()).analysisFor(uri);
        return a.diagnostics.some((x: { message: string }) => x.message.includes('named pipe')) && doc.version === version ? true : undefined;
      });
    } finally {
      fs.rmSync(fifo, { force: true });
    }
  });

  test('editing the document during a run: the run simulates the version it was started on', async function () {
    if (!simulationAvailable()) this.skip();
    const uri = await writeFile('pinned.loss', QUICK.replace('steps = 3000', 'steps = 20000'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const a = await api();
    const started = doc.version;
    const running = vscode.commands.executeCommand<any>('noetherLab.runSgd', uri, 0);
    await waitFor('the run to pin its version', () => (a.runState(uri).version !== undefined ? true : undefined));
    assert.strictEqual(a.runState(uri).version, started);
    // Rename the parameters and break the rescaling symmetry while the run is analysed or running.
    const whole = new vscode.Range(0, 0, doc.lineCount, 0);
    await editor.edit((e) =>
      e.replace(
        whole,
        QUICK.replace('steps = 3000', 'steps = 20000').replace(/\bu\b/g, 'p1').replace(/\bw\b/g, 'p2').replace('(p1*p2*x - y)', '(tanh(p1*x)*p2 - y)'),
      ),
    );
    assert.ok(doc.version > started && doc.getText().includes('tanh(p1*x)'));
    const result = await running;
    assert.ok(result, 'the run finished');
    assert.deepStrictEqual(result.components, ['u', 'w'], 'the components of the version the run started on');
    assert.strictEqual(result.runs[0].steps, 20000);
    assert.deepStrictEqual(
      result.runs[0].charges.map((c: { text: string }) => c.text),
      ['u² − w²'],
      "that version's symmetry and charge",
    );
    assert.ok(Number.isFinite(result.runs[0].charges[0].finalMean));
    // The panel got the run's analysis (and then follows the edited document's).
    assert.ok(messagesOfType(a.panelMessages(uri), 'analysis').some((m) => m.analysis.components.join() === 'u,w'));
  });

  test('a panel closed during a run stays closed; reopened, it shows the final result', async function () {
    if (!simulationAvailable()) this.skip();
    const uri = await writeFile('closing.loss', QUICK.replace('steps = 3000', 'steps = 2000000'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const a = await api();
    const running = vscode.commands.executeCommand<any>('noetherLab.runSgd', uri, 0);
    await waitFor('progress in the panel', () => (messagesOfType(a.panelMessages(uri), 'simulationProgress').length > 0 ? true : undefined), 60_000);
    const tab = panelTab(uri);
    assert.ok(tab, 'the panel is open');
    await vscode.window.tabGroups.close(tab);
    await waitFor('the panel to close', () => (a.hasPanel(uri) ? undefined : true));
    const postedAtClose = a.panelMessages(uri).length;
    const result = await running;
    assert.ok(result && !result.runs[0].cancelled, 'the run went on to its end');
    assert.strictEqual(a.hasPanel(uri), false, 'no progress message or result reopened the panel');
    assert.strictEqual(panelTab(uri), undefined);
    assert.strictEqual(a.panelMessages(uri).length, postedAtClose, 'nothing was posted to the closed panel');
    await vscode.commands.executeCommand('noetherLab.showPanel', uri);
    const shown = await waitFor('the result in the reopened panel', () => messagesOfType(a.panelMessages(uri).slice(postedAtClose), 'simulationResult').pop());
    assert.strictEqual(shown.result.runs[0].steps, 2_000_000);
  });

  test('a file named like one whose panel is open does not get a panel when it is analysed', async () => {
    const a = await api();
    fs.mkdirSync(path.join(workspaceRoot().fsPath, 'twins'), { recursive: true });
    const first = await writeFile('twin.loss', QUICK);
    const second = await writeFile('twins/twin.loss', QUICK.replace('param u = 1.5', 'param u = 1.25'));
    await vscode.commands.executeCommand('noetherLab.showPanel', first);
    await waitFor("the first file's panel", () => (a.hasPanel(first) && panelTab(first) ? true : undefined));
    // The second file's analysis (each finished analysis updates its own file's open panel).
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(second));
    const analysis = await a.analysisFor(second);
    assert.strictEqual(analysis.initial.u, 1.25);
    assert.strictEqual(a.hasPanel(second), false, 'no panel opened for the file of the same name');
    assert.strictEqual(a.panelMessages(second).length, 0);
    assert.strictEqual(
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.label === 'Noether Lab: twin.loss')
        .length,
      1,
    );
  });

  test('a run stopped during its start-up keeps the previous result', async function () {
    if (!simulationAvailable()) this.skip();
    // A model whose start-up (its code generated and compiled in every simulation worker) takes
    // seconds, so that Stop lands in it.
    const k = 40;
    const uri = await writeFile(
      'startup.loss',
      `param W[${k},${k}] ~ normal(0, 0.1)\nparam V[${k},${k}] ~ normal(0, 0.1)\ndata x[${k}] ~ normal(0, 1)\nloss = sum((V@tanh(W@x) - x)^2)\ntrain sgd(lr = 0.001, steps = 20, chains = 2)\n`,
    );
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const a = await api();
    const first = await vscode.commands.executeCommand<any>('noetherLab.runSgd', uri, 0);
    assert.ok(first && a.lastSimulation(uri) === first, 'a first result');
    const again = vscode.commands.executeCommand<any>('noetherLab.runSgd', uri, 0);
    await waitFor('the second run to start', () => (a.runState(uri).running ? true : undefined), 60_000);
    assert.strictEqual(await vscode.commands.executeCommand<number>('noetherLab.stopRun', uri), 1);
    assert.strictEqual(await again, undefined, 'the stopped run returns nothing');
    assert.strictEqual(a.lastSimulation(uri), first, 'the previous result is kept');
  });
});
