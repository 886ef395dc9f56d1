// Every command in a real VS Code, and what the panel and the side view receive.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { isSimulationProgress, isSimulationResult } from '../../src/shared/protocol';
import { api, closeAll, DIVERGING, fileUri, messagesOfType, open, QUICK, simulationAvailable, waitFor, writeFile } from './helpers';

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

  test('Show Panel focuses a symmetry, a group (the hover link) or a prediction (the CodeLens)', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    const a = await api();
    await vscode.commands.executeCommand('noetherLab.showPanel', doc.uri.toString(), 0);
    const focus = await waitFor('a focusSymmetry message', () => messagesOfType(a.panelMessages(doc.uri), 'focusSymmetry').pop());
    assert.strictEqual(focus.index, 0);
    const before = messagesOfType(a.panelMessages(doc.uri), 'focusPrediction').length;
    await vscode.commands.executeCommand('noetherLab.showPanel', doc.uri.toString(), { prediction: 0 });
    const pred = await waitFor('a focusPrediction message', () => messagesOfType(a.panelMessages(doc.uri), 'focusPrediction')[before]);
    assert.strictEqual(pred.run, 0);
    const groups = messagesOfType(a.panelMessages(doc.uri), 'focusGroup').length;
    await vscode.commands.executeCommand('noetherLab.showPanel', doc.uri.toString(), { group: 0 });
    const group = await waitFor('a focusGroup message', () => messagesOfType(a.panelMessages(doc.uri), 'focusGroup')[groups]);
    assert.strictEqual(group.group, 0);
    // A group the analysis does not have: no focus message.
    await vscode.commands.executeCommand('noetherLab.showPanel', doc.uri.toString(), { group: 7 });
    assert.strictEqual(messagesOfType(a.panelMessages(doc.uri), 'focusGroup').length, groups + 1);
  });

  test('Where SGD Ends returns and shows the predictions (the start-orbit solve is secondary)', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    const a = await api();
    const before = messagesOfType(a.panelMessages(doc.uri), 'focusPrediction').length;
    const preds = await vscode.commands.executeCommand<any[]>('noetherLab.findEquilibrium', doc.uri);
    assert.strictEqual(preds.length, 1, 'one noisy train line (the gd line has no noise)');
    const p = preds[0];
    assert.strictEqual(p.run, 0);
    assert.strictEqual(p.status, 'equilibrium');
    // Gradient flow from (1.5, 0.2) conserves u² − w² = 2.21 to the minimum uw = 2; SGD then balances: u = w = √2.
    assert.ok(Math.abs(p.minimum.point.u ** 2 - p.minimum.point.w ** 2 - 2.21) < 1e-6 && Math.abs(p.minimum.point.u * p.minimum.point.w - 2) < 1e-6);
    assert.ok(Math.abs(p.endPoint.u - Math.SQRT2) < 1e-6 && Math.abs(p.endPoint.w - Math.SQRT2) < 1e-6, JSON.stringify(p.endPoint));
    assert.deepStrictEqual(p.charges, [0]);
    assert.ok(Math.abs(p.relaxationSteps - 6400) < 1);
    const focus = await waitFor('the panel shows the prediction', () => messagesOfType(a.panelMessages(doc.uri), 'focusPrediction')[before]);
    assert.strictEqual(focus.run, 0);
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
    assert.strictEqual(run.status, 'completed');
    assert.ok(run.lawResidual < 1e-6, `the exact per-step law holds to rounding (residual ${run.lawResidual})`);
    // Prediction beside measurement: the run carries its prediction and a verdict for its charge.
    assert.strictEqual(run.prediction?.status, 'equilibrium');
    assert.ok(['agrees', 'relaxing', 'disagrees'].includes(run.charges[0].verdict), run.charges[0].verdict);
    assert.strictEqual(run.charges[0].predictedEquilibrium, 0);
    assert.strictEqual(a.lastSimulation(uri), result);
    const msgs = a.panelMessages(uri);
    assert.ok(messagesOfType(msgs, 'analysis').length > 0, 'the panel got the analysis');
    assert.ok(messagesOfType(msgs, 'simulationResult').length > 0, 'the panel got the result');
    console.log(`    run: ${Date.now() - t0} ms, ${messagesOfType(msgs, 'simulationProgress').length} progress messages`);
    // The panel webview accepts the run after postMessage: VS Code serialises as JSON (NaN becomes
    // null) and the webview validates what it receives. (The log keeps the latest progress whole.)
    const posted = messagesOfType(msgs, 'simulationResult').pop();
    assert.ok(isSimulationResult(JSON.parse(JSON.stringify(posted.result))), 'the result passes the webview validator after JSON transport');
    const progress = messagesOfType(msgs, 'simulationProgress');
    assert.ok(
      progress.some((p) => p.progress.partial),
      'a progress message with its partial run',
    );
    for (const p of progress) {
      assert.ok(isSimulationProgress(JSON.parse(JSON.stringify(p.progress))), 'each progress message passes the validator after JSON transport');
    }
  });

  test('Compare SGD vs GD runs both optimizers', async function () {
    if (!simulationAvailable()) this.skip();
    const uri = await writeFile('quick-compare.loss', QUICK);
    const result = await vscode.commands.executeCommand<any>('noetherLab.compareSgdGd', uri, 0);
    assert.ok(result, 'a simulation result');
    assert.deepStrictEqual(
      result.runs.map((r: any) => r.optimizer),
      ['sgd', 'gd'],
    );
    assert.strictEqual(result.runs[1].steps, 3000, 'GD on the same clock as SGD');
    // Theory: GD (continuous time) keeps u² − w²; SGD's noise moves it toward 0.
    const sgd = result.runs[0].charges[0];
    const gd = result.runs[1].charges[0];
    assert.ok(
      Math.abs(gd.finalMean - gd.initial) < Math.abs(sgd.finalMean - sgd.initial),
      `GD keeps the charge (${gd.initial} → ${gd.finalMean}), SGD moves it (${sgd.initial} → ${sgd.finalMean})`,
    );
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
    const a = await api();
    const t0 = Date.now();
    const running = vscode.commands.executeCommand<any>('noetherLab.runSgd', uri);
    // Stop once the run is under way (its first progress reaches the panel).
    await waitFor('the run to stream progress', () => messagesOfType(a.panelMessages(uri), 'simulationProgress').length > 0, 60_000);
    const stopped = await vscode.commands.executeCommand<number>('noetherLab.stopRun');
    assert.strictEqual(stopped, 1, 'one run stopped');
    const result = await running;
    const ms = Date.now() - t0;
    assert.ok(result?.runs?.[0]?.cancelled, 'the result is marked cancelled');
    assert.ok(ms < 15_000, `stopped promptly (${ms} ms)`);
  });

  test('a diverging run: status diverged, one summary, an error notification with Show details', async function () {
    if (!simulationAvailable()) this.skip();
    const uri = await writeFile('diverging-run.loss', DIVERGING);
    const a = await api();
    const before = a.notifications().length;
    const result = await vscode.commands.executeCommand<any>('noetherLab.runSgd', uri);
    const run = result.runs[0];
    assert.strictEqual(run.status, 'diverged');
    const d = run.divergence;
    assert.ok(d && d.chains > 0 && d.chains < 16 && d.of === 16, JSON.stringify(d));
    assert.strictEqual(d.bound !== null && Math.abs(d.bound - 2) < 1e-6, true, 'the bound 2/λ_max(H) = 2');
    assert.match(d.message, new RegExp(`^${d.chains} of 16 chains diverged, the first at step ${d.firstStep} `));
    const notes = a.notifications().slice(before);
    assert.strictEqual(notes.length, 1, JSON.stringify(notes));
    assert.strictEqual(notes[0].severity, 'error');
    assert.strictEqual(notes[0].message, `Noether Lab: diverging-run.loss, run 0 (sgd η=2.5 B=1): ${d.message}`);
    assert.deepStrictEqual(notes[0].items, ['Show details']);
    // The panel gets the run with its status; it validates after JSON transport.
    const posted = messagesOfType(a.panelMessages(uri), 'simulationResult').pop();
    assert.strictEqual(posted.result.runs[0].status, 'diverged');
    assert.ok(isSimulationResult(JSON.parse(JSON.stringify(posted.result))));
    // A run that does not diverge raises no such notification.
    const calm = await writeFile('quick-calm.loss', QUICK);
    const quiet = a.notifications().length;
    const ok = await vscode.commands.executeCommand<any>('noetherLab.runSgd', calm, 0);
    assert.strictEqual(ok.runs[0].status, 'completed');
    assert.strictEqual(a.notifications().length, quiet);
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
    // The groups first (charge and laws in matrix form), then the generators.
    assert.match(
      md,
      /## Symmetry groups\n\n1 symmetry of ℓ in 1 group\. The charge of the symmetries is all the conservation laws of gradient flow \(Lie-algebra rank 1 of 2\)\.\n\n### rescaling of u, w\n\n- rescaling, proved \(homogeneity\); acts on u, w\n- Charge: C₁ = u² − w²/,
    );
    assert.match(md, /\n- Law \(C\) in closed form: d\(u² − w²\)\/dt = −η·\[\(1\/B\)·\(2·u²·w² − 8·u·w \+ 8\.25\) \+ \(u²·w² − 4·u·w \+ 4\)\]·\(u² − w²\) = /);
    assert.match(md, /\n- At the noise equilibrium: u² − w² = 0, or where the rate vanishes: /);
    assert.ok(md.indexOf('## Generators') > md.indexOf('## Symmetry groups'), 'generators after the groups');
    assert.match(
      md,
      /## Where SGD ends\n\n### Run 0 \(sgd η=0\.05 B=4\): equilibrium\n\nSGD ends at u = 1\.414, w = 1\.414 \(C₁ = 0\), relaxing in ≈6400 steps\./,
    );
    assert.match(
      md,
      /- Stability: 2\/λ_max\(H\) = 0\.6829 at the start \(λ_max = 2\.929\), 0\.5 at the predicted end \(λ_max = 4\); lr = 0\.05 is below the bound 0\.5\./,
    );
    assert.match(md, /\| u \| 1\.5 \| 1\.8412 \| 1\.4142 \|/, 'the end point beside the start and the minimum');
    assert.match(md, /- Where SGD ends \(run 0\): C₁ = 0\n- Secondary, the balanced point of the start's orbit \(not where SGD ends\): C goes from 2\.21 to 0/);
    assert.deepStrictEqual(report.analysis.predictions[0].charges, [0]);

    if (simulationAvailable()) {
      // A file with a run of its own (this test does not rely on the runs of earlier ones).
      const quick = await writeFile('quick-report.loss', QUICK);
      assert.ok(await vscode.commands.executeCommand<any>('noetherLab.runSgd', quick, 0), 'a run to report');
      const w2 = await vscode.commands.executeCommand<{ json: string; markdown: string }>(
        'noetherLab.exportReport',
        quick,
        path.join(path.dirname(out), 'quick.md'),
      );
      const r2 = JSON.parse(fs.readFileSync(w2.json, 'utf8'));
      assert.ok(r2.simulation?.runs?.length >= 1, 'the last run is in the report');
      const md2 = fs.readFileSync(w2.markdown, 'utf8');
      assert.match(md2, /\| run \| optimizer \|.*\| diverged \| status \|/);
      assert.match(
        md2,
        /\| quantity \| predicted \| O\(η\) term \| measured ± SE \| z \| verdict \| steps still needed \| how \|\n\|---\|---\|---\|---\|---\|---\|---\|---\|\n\| C₁ = u² − w² \| 0 \|/,
      );
    }
  });

  test('Run Experiment writes its report to the extension storage (never the workspace) and opens it in a webview panel', async function () {
    this.timeout(120_000);
    const a = await api();
    const results = await vscode.commands.executeCommand<{ name: string; pass: boolean; checks: unknown[] }[]>(
      'noetherLab.runExperiment',
      'noise-curvature',
      'small',
    );
    assert.ok(results && results.length === 1, 'one result');
    assert.strictEqual(results[0].name, 'noise-curvature');
    assert.ok(results[0].checks.length > 0 && results[0].pass, 'its checks pass');
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.ok(!fs.existsSync(path.join(folder, 'noether-report')), 'nothing written into the workspace');
    const notice = a
      .notifications()
      .filter((n) => /Report: /.test(n.message))
      .pop();
    assert.ok(notice, 'a completion toast');
    assert.deepStrictEqual(notice.items, ['Open report', 'Save a copy…']);
    const html = /Report: (.*\.html)$/.exec(notice.message)?.[1] ?? '';
    assert.match(html, /reports[/\\]noise-curvature\.html$/);
    assert.ok(fs.existsSync(html) && fs.existsSync(html.replace(/\.html$/, '.json')), `report written to the storage: ${html}`);
    assert.match(fs.readFileSync(html, 'utf8'), /<svg/);
    // The report in a webview panel: the page loads (it says ready) and receives the document. A
    // first load that stalls is retried by the host every 6 s (reportPanel.ts), hence the wait.
    const panel = await waitFor(
      'the report panel, loaded',
      () => a.reportPanels().find((p) => p.docTitle === 'Noether Lab experiment: noise-curvature' && p.ready),
      45_000,
    );
    const doc = panel.posted.filter((m: any) => m.type === 'report').pop() as any;
    assert.ok(doc, 'the report document was posted');
    assert.ok(doc.doc.sections[0].figures.length > 0 && doc.doc.sections[0].tables[0].rows.length === results[0].checks.length);
    assert.ok(
      vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('noetherLab.report'))),
      'a report tab is open',
    );
  });
});
