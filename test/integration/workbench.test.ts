// The researcher's workbench in a real VS Code: the run history (kept in workspace storage, listed
// in the side view, overlaid on the panel, exported as .npz, deleted) and Sweep… (a result and its
// report panel). Small step counts keep it fast.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, closeAll, messagesOfType, QUICK, simulationAvailable, waitFor, writeFile } from './helpers';

suite('Noether Lab: run history and sweeps', () => {
  suiteTeardown(closeAll);

  test('a finished run is kept in the storage, listed in the side view, overlaid on the panel, exported as .npz and deleted', async function () {
    if (!simulationAvailable()) this.skip();
    this.timeout(120_000);
    const a = await api();
    const uri = await writeFile('history.loss', QUICK.replace('steps = 3000', 'steps = 800'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('workbench.view.extension.noetherLab');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const before = a.history(uri).entries.length;
    const result = await vscode.commands.executeCommand<any>('noetherLab.runSgd', uri);
    assert.ok(result?.runs?.length === 1, 'the run finished');
    const entry = await waitFor('the run in the history', () => (a.history(uri).entries.length > before ? a.history(uri).entries[0] : undefined));
    assert.strictEqual(entry.status, 'completed');
    assert.strictEqual(entry.title, 'running sgd');
    const stored = path.join(a.history(uri).folder, `${entry.id}.json`);
    assert.ok(fs.existsSync(stored), `stored at ${stored}`);
    assert.ok(!stored.startsWith(vscode.workspace.workspaceFolders![0].uri.fsPath), 'in the extension storage, not the workspace');
    const listed = await waitFor('the history in the side view', () =>
      messagesOfType(a.sidebarMessages(), 'history')
        .filter((m) => m.uri === uri.toString() && m.entries.some((e: any) => e.id === entry.id))
        .pop(),
    );
    assert.match(listed.entries[0].runs[0].label, /^sgd η=0\.05 B=4/);

    // Overlay: the panel receives the stored run (downsampled) for its plots.
    await vscode.commands.executeCommand('noetherLab.overlayRun', uri, entry.id);
    const overlay = await waitFor('an overlay message', () =>
      messagesOfType(a.panelMessages(uri), 'overlay')
        .filter((m) => m.entry === entry.id)
        .pop(),
    );
    assert.strictEqual(overlay.runs.length, 1);
    assert.ok(overlay.runs[0].series.steps.length <= 501);

    // Export as numpy .npz (a zip of .npy members).
    const out = path.join(os.tmpdir(), `noether-history-${process.pid}.npz`);
    const written = await vscode.commands.executeCommand<string>('noetherLab.exportRun', uri, entry.id, 'npz', out);
    assert.strictEqual(written, out);
    const bytes = fs.readFileSync(out);
    assert.strictEqual(bytes.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004');
    assert.ok(bytes.includes(Buffer.from('run0_loss_mean.npy')), 'the loss series is a member');

    // Delete: gone from the list and from the storage; the overlay is cleared.
    const n = await vscode.commands.executeCommand<number>('noetherLab.deleteRun', uri, entry.id);
    assert.strictEqual(n, 1);
    assert.ok(!a.history(uri).entries.some((e) => e.id === entry.id));
    await waitFor('the stored file removed', () => !fs.existsSync(stored));
    assert.ok(
      messagesOfType(a.panelMessages(uri), 'overlay').some((m) => m.entry === null),
      'the overlay was cleared',
    );
  });

  test('Sweep… runs each value and opens its plot against the key beside theory in a report panel', async function () {
    if (!simulationAvailable()) this.skip();
    this.timeout(120_000);
    const a = await api();
    const uri = await writeFile(
      'sweep.loss',
      [
        'param w = 0',
        'data  x ~ normal(0, 1)',
        'data  eps ~ normal(0, 0.5)',
        'loss  = (w*x - (2*x + eps))^2 / 2',
        'train sgd(lr = 0.1, batch = 1, steps = 2000, chains = 4, seed = 4)',
        '',
      ].join('\n'),
    );
    const result = await vscode.commands.executeCommand<any>('noetherLab.sweep', uri, { key: 'lr', values: '0.05, 0.1', steps: 2000, chains: 4 });
    assert.ok(result, 'a sweep result');
    assert.deepStrictEqual(result.values, [0.05, 0.1]);
    assert.deepStrictEqual(
      result.points.map((p: any) => p.lr),
      [0.05, 0.1],
    );
    const v = result.quantities.find((q: any) => q.id === 'var:w');
    assert.ok(v && v.theory.every((t: number | null) => t !== null && t > 0), 'the variance has its theory at each lr');
    // A first load that stalls is retried by the host every 6 s (reportPanel.ts), hence the wait.
    const panel = await waitFor(
      'the sweep report panel, loaded',
      () => a.reportPanels().find((p) => p.docTitle === 'Sweep of lr: sweep.loss' && p.ready),
      45_000,
    );
    const doc = (panel.posted.filter((m: any) => m.type === 'report').pop() as any).doc;
    assert.strictEqual(doc.sections[0].figures[0].id, 'sweep-var_w');
    assert.strictEqual(doc.sections[0].tables[0].rows.length, 2);
    // A bad key is refused with a message, no run.
    const bad = await vscode.commands.executeCommand<any>('noetherLab.sweep', uri, { key: 'beta', values: '0.5' });
    assert.strictEqual(bad, undefined);
  });
});
