// Every command in a real VS Code, and what the panel and the side view receive.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { isSimulationProgress, isSimulationResult } from '../../src/shared/protocol';
import { api, closeAll, fileUri, messagesOfType, open, QUICK, simulationAvailable, sleep, waitFor, writeFile } from './helpers';

suite('Noether Lab: commands, panel and side view', () => {
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('noetherLab').update('defaultSteps', undefined, vscode.ConfigurationTarget.Global);
    await closeAll();
  });

  test('Analyze shows the analysis in the panel and the side view', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    const a = await api();
    await vscode.commands.executeCommand('workbench.view.extension.noetherLab');
    await vscode.window.showTextDocument(doc);
    const result = await vscode.commands.executeCommand<any>('noetherLab.analyze', doc.uri);
    assert.strictEqual(result?.symmetries?.length, 1);
    const analysisMsg = await waitFor('an analysis message in the panel', () => messagesOfType(a.panelMessages(doc.uri), 'analysis').pop());
    assert.strictEqual(analysisMsg.analysis.symmetries[0].charge.text, 'u² − w²');
    assert.strictEqual(analysisMsg.uri, doc.uri.toString());
    const summary = await waitFor('a summary with the analysis in the side view', () =>
      messagesOfType(a.sidebarMessages(), 'summary')
        .filter((m) => m.uri === doc.uri.toString() && m.analysis)
        .pop(),
    );
    assert.strictEqual(summary.analysis.symmetries[0].kind, 'rescaling');
    // Run from the palette without an argument: the active editor's file.
    await vscode.window.showTextDocument(doc);
    const again = await vscode.commands.executeCommand<any>('noetherLab.analyze');
    assert.strictEqual(again?.file, doc.uri.fsPath);
  });

  test('Show Panel focuses a symmetry (the hover link)', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    const a = await api();
    await vscode.commands.executeCommand('noetherLab.showPanel', doc.uri.toString(), 0);
    const focus = await waitFor('a focusSymmetry message', () => messagesOfType(a.panelMessages(doc.uri), 'focusSymmetry').pop());
    assert.strictEqual(focus.index, 0);
  });

  test('Find Noise Equilibrium solves λ* on the orbit of the initial point', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    const eq = await vscode.commands.executeCommand<any[]>('noetherLab.findEquilibrium', doc.uri);
    assert.strictEqual(eq.length, 1);
    assert.ok(Math.abs(eq[0].lambda - -1.00745) < 1e-3, `λ* = ${eq[0].lambda}`);
    assert.ok(Math.abs(eq[0].point.u - eq[0].point.w) < 1e-6, 'balanced layers |u| = |w| at the equilibrium');
  });

  test('Run simulates the train line and sends progress and the result to the panel', async function () {
    if (!simulationAvailable()) this.skip(); // dist/simWorker.js missing: the numeric engine is not built
    const uri = await writeFile('quick.loss', QUICK);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const a = await api();
    const t0 = Date.now();
    const result = await vscode.commands.executeCommand<any>('noetherLab.runSgd', uri, 0);
    assert.ok(result, 'a simulation result');
    assert.strictEqual(result.runs.length, 1);
    const run = result.runs[0];
    assert.strictEqual(run.optimizer, 'sgd');
    assert.strictEqual(run.steps, 3000);
    assert.strictEqual(run.chains, 4);
    assert.ok(!run.cancelled);
    assert.ok(run.lawResidual < 1e-6, `the exact per-step law holds to rounding (residual ${run.lawResidual})`);
    assert.strictEqual(a.lastSimulation(uri), result);
    const msgs = a.panelMessages(uri);
    assert.ok(messagesOfType(msgs, 'analysis').length > 0, 'the panel got the analysis');
    assert.ok(messagesOfType(msgs, 'simulationResult').length > 0, 'the panel got the result');
    console.log(`    run: ${Date.now() - t0} ms, ${messagesOfType(msgs, 'simulationProgress').length} progress messages`);
  });

  test('the panel webview accepts the run after postMessage (JSON: NaN becomes null)', async function () {
    if (!simulationAvailable()) this.skip();
    const a = await api();
    const msgs = a.panelMessages(fileUri('quick.loss'));
    const result = messagesOfType(msgs, 'simulationResult').pop();
    assert.ok(result, 'a simulationResult was posted');
    // postMessage to a webview in VS Code serialises as JSON; the webview validates what it receives.
    assert.ok(isSimulationResult(JSON.parse(JSON.stringify(result.result))), 'the result passes the webview validator after JSON transport');
    for (const p of messagesOfType(msgs, 'simulationProgress')) {
      assert.ok(isSimulationProgress(JSON.parse(JSON.stringify(p.progress))), 'each progress message passes the validator after JSON transport');
    }
  });

  test('Compare SGD vs GD runs both optimizers', async function () {
    if (!simulationAvailable()) this.skip();
    const uri = fileUri('quick.loss');
    const result = await vscode.commands.executeCommand<any>('noetherLab.compareSgdGd', uri, 0);
    assert.ok(result, 'a simulation result');
    assert.deepStrictEqual(result.runs.map((r: any) => r.optimizer), ['sgd', 'gd']);
    assert.strictEqual(result.runs[1].steps, 3000, 'GD on the same clock as SGD');
    // Theory: GD (continuous time) keeps u² − w²; SGD's noise moves it toward 0.
    const sgd = result.runs[0].charges[0];
    const gd = result.runs[1].charges[0];
    assert.ok(Math.abs(gd.finalMean - gd.initial) < Math.abs(sgd.finalMean - sgd.initial), `GD keeps the charge (${gd.initial} → ${gd.finalMean}), SGD moves it (${sgd.initial} → ${sgd.finalMean})`);
  });

  test('defaultSteps applies to a train line that does not set steps', async function () {
    if (!simulationAvailable()) this.skip();
    await vscode.workspace.getConfiguration('noetherLab').update('defaultSteps', 1234, vscode.ConfigurationTarget.Global);
    const uri = await writeFile('nosteps.loss', QUICK.replace('steps = 3000, ', ''));
    const result = await vscode.commands.executeCommand<any>('noetherLab.runSgd', uri);
    assert.strictEqual(result?.runs?.[0]?.steps, 1234);
    assert.strictEqual(result.runs[0].chains, 4, 'chains set by the line are kept');
  });

  test('Stop Run aborts the active run; partial results are kept', async function () {
    if (!simulationAvailable()) this.skip();
    const uri = await writeFile('long.loss', QUICK.replace('steps = 3000', 'steps = 50000000'));
    await sleep(100);
    const t0 = Date.now();
    const running = vscode.commands.executeCommand<any>('noetherLab.runSgd', uri);
    await sleep(1500);
    const stopped = await vscode.commands.executeCommand<number>('noetherLab.stopRun');
    assert.strictEqual(stopped, 1, 'one run stopped');
    const result = await running;
    const ms = Date.now() - t0;
    assert.ok(result?.runs?.[0]?.cancelled, 'the result is marked cancelled');
    assert.ok(ms < 15_000, `stopped promptly (${ms} ms)`);
  });

  test('Export Report writes JSON and Markdown (path from the argument, no dialog)', async () => {
    const uri = fileUri('two-layer-scalar.loss');
    const out = path.join(path.dirname(uri.fsPath), 'reports', 'two-layer');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const written = await vscode.commands.executeCommand<{ json: string; markdown: string }>('noetherLab.exportReport', uri, out);
    assert.strictEqual(written.json, `${out}.json`);
    const report = JSON.parse(fs.readFileSync(written.json, 'utf8'));
    assert.strictEqual(report.analysis.symmetries[0].charge.text, 'u² − w²');
    assert.ok('simulation' in report);
    const md = fs.readFileSync(written.markdown, 'utf8');
    assert.match(md, /# Noether Lab report: two-layer-scalar\.loss/);
    assert.match(md, /Charge: C = u² − w²/);
    assert.match(md, /Noise equilibrium: λ\* = −1\.007/);

    if (simulationAvailable()) {
      const quick = fileUri('quick.loss');
      const w2 = await vscode.commands.executeCommand<{ json: string; markdown: string }>('noetherLab.exportReport', quick, path.join(path.dirname(out), 'quick.md'));
      const r2 = JSON.parse(fs.readFileSync(w2.json, 'utf8'));
      assert.ok(r2.simulation?.runs?.length >= 1, 'the last run is in the report');
      assert.match(fs.readFileSync(w2.markdown, 'utf8'), /\| run \| optimizer \|/);
    }
  });

  test('Run Experiment runs a named experiment and writes its JSON and HTML report into the workspace', async function () {
    this.timeout(120_000);
    const results = await vscode.commands.executeCommand<{ name: string; pass: boolean; checks: unknown[] }[]>('noetherLab.runExperiment', 'noise-curvature', 'small');
    assert.ok(results && results.length === 1, 'one result');
    assert.strictEqual(results[0].name, 'noise-curvature');
    assert.ok(results[0].checks.length > 0 && results[0].pass, 'its checks pass');
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const json = path.join(folder, 'noether-report', 'noise-curvature.json');
    const html = path.join(folder, 'noether-report', 'noise-curvature.html');
    assert.ok(fs.existsSync(json) && fs.existsSync(html), 'report written');
    assert.match(fs.readFileSync(html, 'utf8'), /<svg/);
  });
});
