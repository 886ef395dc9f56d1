// The language features of issue 12.5 in a real VS Code: Outline, completions, go to definition,
// references, rename, inlay hints, the status-bar item, the walkthrough, the diagnostic source and
// quick fixes offering every equally near name.
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  api,
  closeAll,
  DIAGNOSTIC_SOURCE,
  EXTENSION_ID,
  hoverPlain,
  noetherDiagnostics,
  open,
  positionOf,
  QUICK,
  simulationAvailable,
  waitFor,
  workspaceRoot,
  writeFile,
} from './helpers';

async function completionLabels(doc: vscode.TextDocument, pos: vscode.Position, trigger?: string): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos, trigger);
  return list.items;
}

const label = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);
const docText = (i: vscode.CompletionItem | undefined) =>
  i?.documentation instanceof vscode.MarkdownString ? i.documentation.value : String(i?.documentation ?? '');

suite('Noether Lab: language features (Outline, completions, navigation, rename, inlay hints, status bar, walkthrough)', () => {
  suiteTeardown(closeAll);

  test('the Outline lists params with their shapes, data, lets, the loss and the train line', async () => {
    const { document: doc } = await open('two-layer-matrix.loss');
    await api();
    const symbols = await waitFor('document symbols', async () => {
      const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri);
      return s?.length ? s : undefined;
    });
    assert.deepStrictEqual(
      symbols.map((s) => [s.name, s.kind]),
      [
        ['U', vscode.SymbolKind.Variable],
        ['W', vscode.SymbolKind.Variable],
        ['x', vscode.SymbolKind.Field],
        ['eps', vscode.SymbolKind.Field],
        ['V', vscode.SymbolKind.Variable],
        ['y', vscode.SymbolKind.Variable],
        ['loss', vscode.SymbolKind.Function],
        ['train sgd', vscode.SymbolKind.Event],
      ],
    );
    assert.match(symbols[0].detail, /^param \[3, 3\] = \[\[0\.8, 0\.1, 0\.0\]/);
    assert.strictEqual(symbols[2].detail, 'data [3] ~ normal(0, 1)');
    assert.strictEqual(symbols[7].detail, 'lr = 0.01, batch = 1, steps = 40000, chains = 8, seed = 3');
    // The selection is the name itself, on its line.
    const u = positionOf(doc, 'U');
    assert.deepStrictEqual(
      [symbols[0].selectionRange.start.line, symbols[0].selectionRange.start.character, symbols[0].selectionRange.end.character],
      [u.line, u.character, u.character + 1],
    );
  });

  test('completions: keywords, the optimizer`s own keys with docs, distributions after ~, names and functions in expressions', async () => {
    const uri = await writeFile('complete.loss', 'param u = 1, w = 0.5\ndata x ~ \nlet y = 2*x\nloss = (u*w*x - y)^2\ntrain adam(lr = 0.01, )\n\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const keywords = (await completionLabels(doc, new vscode.Position(5, 0))).map(label);
    for (const k of ['param', 'data', 'dataset', 'let', 'loss', 'train']) assert.ok(keywords.includes(k), `keyword ${k} in ${keywords.join(', ')}`);
    const keys = await completionLabels(doc, new vscode.Position(4, 22), ',');
    const keyLabels = keys.map(label);
    for (const k of ['batch', 'beta1', 'beta2', 'eps', 'weight_decay']) assert.ok(keyLabels.includes(k), `adam key ${k} in ${keyLabels.join(', ')}`);
    assert.ok(!keyLabels.includes('beta'), '`beta` is momentum`s key, not adam`s');
    assert.ok(!keyLabels.includes('lr'), '`lr` is given already');
    const batch = keys.find((i) => label(i) === 'batch');
    assert.match(docText(batch), /minibatch size B \(default 1\)/);
    assert.match(docText(batch), /Temperature T = η\/B/, 'the key`s theory too');
    assert.strictEqual((batch?.insertText as vscode.SnippetString).value, 'batch = ${1:4}');
    const dists = await completionLabels(doc, new vscode.Position(1, 9), '~');
    assert.deepStrictEqual(
      dists
        .map(label)
        .filter((l) => ['normal', 'uniform', 'bernoulli', 'rademacher', 'const'].includes(l))
        .sort(),
      ['bernoulli', 'const', 'normal', 'rademacher', 'uniform'],
    );
    assert.match(docText(dists.find((i) => label(i) === 'normal')), /Gaussian/);
    const expr = (await completionLabels(doc, new vscode.Position(3, 20))).map(label);
    for (const n of ['u', 'w', 'x', 'y', 'exp', 'relu', 'norm2']) assert.ok(expr.includes(n), `${n} in ${expr.join(', ')}`);
  });

  test('go to definition and find references of a let, from its use', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    const use = positionOf(doc, 'y', 1);
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, use);
    assert.strictEqual(defs.length, 1);
    const def = defs[0] as vscode.Location;
    const decl = positionOf(doc, 'y', 0);
    assert.deepStrictEqual([def.range.start.line, def.range.start.character, def.range.end.character], [decl.line, decl.character, decl.character + 1]);
    const refs = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', doc.uri, use);
    assert.deepStrictEqual(
      refs.map((r) => r.range.start.line).sort((a, b) => a - b),
      [decl.line, use.line],
    );
    // Nothing for a keyword or a function.
    const none = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeDefinitionProvider', doc.uri, positionOf(doc, 'normal'));
    assert.strictEqual(none.length, 0);
  });

  test('rename a parameter everywhere; a taken or invalid name is refused with the reason', async () => {
    const uri = await writeFile('rename.loss', QUICK);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', uri, positionOf(doc, 'u', 1), 'θ');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.strictEqual(doc.lineAt(0).text, 'param θ = 1.5');
    assert.match(doc.getText(), /loss {2}= \(θ\*w\*x - y\)\^2 \/ 2/);
    await waitFor('the renamed file to check without errors', () =>
      noetherDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error) ? undefined : true,
    );
    for (const [bad, why] of [
      ['w', /already declared \(as a param on line 2\)/],
      ['exp', /built-in function/],
      ['2x', /not a name/],
      ['train', /keyword/],
    ] as const) {
      await assert.rejects(
        Promise.resolve(vscode.commands.executeCommand('vscode.executeDocumentRenameProvider', uri, positionOf(doc, 'θ'), bad)),
        (e: Error) => why.test(e.message),
        `renaming to ${bad}`,
      );
    }
    // Only declared names can be renamed: prepareRename refuses a keyword.
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('vscode.prepareRename', uri, positionOf(doc, 'loss'))), /declared name/);
  });

  test('inlay hints: the stability bound beside lr and the charge after the params; the lr hover states the same bound', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    await (await api()).analysisFor(doc.uri);
    const hints = await waitFor('inlay hints', async () => {
      const h = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, new vscode.Range(0, 0, doc.lineCount, 0));
      return h?.length ? h : undefined;
    });
    const text = (h: vscode.InlayHint) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
    const lr0 = positionOf(doc, '0.05', 0);
    const lr1 = positionOf(doc, '0.05', 1);
    const at = (p: vscode.Position, len: number) => hints.find((h) => h.position.line === p.line && h.position.character === p.character + len);
    assert.strictEqual(text(at(lr0, 4) as vscode.InlayHint), '2/λ_max = 0.5 ✓', 'the sgd line: 2/λ_max(H) at the predicted end');
    assert.strictEqual(text(at(lr1, 4) as vscode.InlayHint), '2/λ_max = 0.4376 ✓', 'the gd line: at the minimum gradient flow reaches');
    const w = positionOf(doc, '0.2');
    const charge = at(w, 3);
    assert.strictEqual(charge && text(charge), 'u² − w² = 2.21', 'the charge at the initial point, after the last param it moves');
    assert.match(await hoverPlain(doc, positionOf(doc, 'lr', 0)), /0\.5 at the predicted end \(λ_max = 4\)\. ✓ lr = 0\.05 is below the bound 0\.5\./);
  });

  test('the status bar shows the symmetries of the active file and the state of its run', async function () {
    const a = await api();
    const { document: doc } = await open('two-layer-scalar.loss');
    await a.analysisFor(doc.uri);
    const view = await waitFor('the status bar to show the symmetries', () => {
      const v = a.statusBar();
      return v && /1 symmetry/.test(v.text) ? v : undefined;
    });
    assert.strictEqual(view.command, 'noetherLab.showPanel');
    assert.match(view.tooltip, /rescaling of u, w/);
    const { document: matrix } = await open('two-layer-matrix.loss');
    await a.analysisFor(matrix.uri);
    await waitFor('6 symmetries · 1 group', () => (/Noether: 6 symmetries · 1 group/.test(a.statusBar()?.text ?? '') ? true : undefined));
    // A file with errors.
    const broken = await writeFile('status-broken.loss', 'param w = 1\nloss = (w - q)^2\n');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(broken));
    await waitFor('the error count', () => (/Noether: 1 error$/.test(a.statusBar()?.text ?? '') ? true : undefined));
    // Not a .loss file: hidden.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'hello' }));
    await waitFor('the item to hide', () => (a.statusBar() === undefined ? true : undefined));
    if (!simulationAvailable()) return this.skip();
    // A run: "running N%" while it goes, then the analysis again. Long enough (tens of seconds) that a
    // progress report always comes before its end; the test stops it once the percentage shows.
    const uri = await writeFile('status-run.loss', QUICK.replace('steps = 3000', 'steps = 5000000'));
    const runDoc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(runDoc);
    const run = vscode.commands.executeCommand('noetherLab.runSgd', uri);
    const running = await waitFor(
      'running …% in the status bar',
      () => {
        const t = a.statusBar()?.text ?? '';
        return /\$\(sync~spin\) Noether: running (starting…|\d+%)/.test(t) ? t : undefined;
      },
      60_000,
    );
    assert.ok(running);
    await waitFor('a percentage', () => (/running \d+%/.test(a.statusBar()?.text ?? '') ? true : undefined), 60_000);
    await vscode.commands.executeCommand('noetherLab.stopRun', uri);
    await run;
    await waitFor('the symmetries again after the run', () => (/Noether: 1 symmetry/.test(a.statusBar()?.text ?? '') ? true : undefined), 60_000);
  });

  test('the Getting Started walkthrough: its steps, media and the example it opens', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const walkthroughs = ext.packageJSON.contributes.walkthroughs;
    assert.strictEqual(walkthroughs.length, 1);
    const steps = walkthroughs[0].steps as { id: string; media: { markdown: string }; completionEvents: string[]; description: string }[];
    assert.deepStrictEqual(
      steps.map((s) => s.id),
      ['openExample', 'analyze', 'run', 'balanceLaw'],
    );
    for (const s of steps) {
      const md = fs.readFileSync(path.join(ext.extensionPath, s.media.markdown), 'utf8');
      assert.ok(md.length > 200, `${s.media.markdown} has content`);
      const cmd = /\(command:(noetherLab\.\w+)/.exec(s.description)?.[1];
      assert.ok(cmd && (await vscode.commands.getCommands(true)).includes(cmd), `step ${s.id} links a registered command (${cmd})`);
      assert.ok(s.completionEvents.includes(`onCommand:${cmd}`), `step ${s.id} completes on its command`);
    }
    assert.match(
      fs.readFileSync(path.join(ext.extensionPath, 'media/walkthrough/balance-law.md'), 'utf8'),
      /dC\/dt = η·\(1\/B\)·\(Var\(∂ℓ\/∂u\) − Var\(∂ℓ\/∂w\)\)/,
    );
    // The walkthrough opens in the workbench.
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#gettingStarted`, false);
    // Its first step opens the example as an untitled .loss document, which is analysed.
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('noetherLab.openExample', 'two-layer-scalar');
    assert.ok(editor);
    assert.strictEqual(editor.document.isUntitled, true);
    assert.strictEqual(editor.document.languageId, 'loss');
    assert.match(editor.document.getText(), /loss {2}= \(u\*w\*x - y\)\^2 \/ 2/);
    const a = await (await api()).analysisFor(editor.document.uri);
    assert.strictEqual(a.symmetries[0].charge.text, 'u² − w²');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('Export to PyTorch writes the chosen train line as a script that runs and prints its summary; a file with errors is refused', async () => {
    const a = await api();
    const { document: doc } = await open('two-layer-scalar.loss');
    const out = path.join(workspaceRoot().fsPath, 'exported', 'two-layer-gd.py');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const r = await vscode.commands.executeCommand<{ path: string; train: number; charges: number }>('noetherLab.exportPyTorch', doc.uri, out, 1);
    assert.deepStrictEqual(r, { path: out, train: 1, charges: 1 });
    const gd = fs.readFileSync(out, 'utf8');
    assert.match(gd, /^# two-layer-scalar\.loss, train line 1 \(line 12\), as a PyTorch script:$/m);
    assert.match(gd, /^OPTIMIZER = "gd"$/m);
    assert.match(gd, /^ {4}return \(u \* w \* x - y\) \*\* 2 \/ 2$/m);
    // The quick sgd file, run with Debian's python3-torch when it is installed.
    const quick = await writeFile('export-quick.loss', QUICK.replace('steps = 3000', 'steps = 400'));
    const script = path.join(workspaceRoot().fsPath, 'exported', 'quick.py');
    await vscode.commands.executeCommand('noetherLab.exportPyTorch', quick, script);
    const torch = cp.spawnSync('/usr/bin/python3', ['-c', 'import torch, functorch'], { encoding: 'utf8' });
    if (torch.status === 0) {
      const run = cp.spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', timeout: 300_000 });
      assert.strictEqual(run.status, 0, run.stderr);
      const summary = JSON.parse(run.stdout);
      assert.deepStrictEqual(summary.components, ['u', 'w']);
      assert.strictEqual(summary.train.steps, 400);
      assert.strictEqual(summary.charges[0].text, 'u² − w²');
      assert.ok(summary.charges[0].final.mean < summary.charges[0].initial, 'SGD moves u² − w² from 2.21 towards 0');
    } else console.log(`python3 with torch is not installed here: the exported script was not run (${torch.stderr.trim().split('\n').pop()})`);
    // A file with errors: refused with the reason, nothing written.
    const broken = await writeFile('export-broken.loss', 'param w = 1\nloss = (w - q)^2\ntrain sgd(lr = 0.1)\n');
    const none = await vscode.commands.executeCommand('noetherLab.exportPyTorch', broken, path.join(workspaceRoot().fsPath, 'exported', 'broken.py'));
    assert.strictEqual(none, undefined);
    assert.ok(!fs.existsSync(path.join(workspaceRoot().fsPath, 'exported', 'broken.py')));
    assert.ok(
      a.notifications().some((n) => n.severity === 'error' && /cannot export export-broken\.loss: it has errors \(line 2: unknown name `q`/.test(n.message)),
    );
  });

  test('diagnostics say "Noether Lab"; a typo equally near two names offers both fixes, neither preferred', async () => {
    const uri = await writeFile('twofixes.loss', 'param u = 1\nparam w = 2\ndata x ~ normal(0, 1)\nloss = (uw*x - 1)^2\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const err = await waitFor('the unknown-name error', () => vscode.languages.getDiagnostics(uri).find((d) => /unknown name/.test(d.message)));
    assert.strictEqual(err.source, DIAGNOSTIC_SOURCE);
    assert.strictEqual(err.source, 'Noether Lab');
    assert.strictEqual(err.message, 'unknown name `uw`; did you mean `u` or `w`?');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      err.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fixes = actions.filter((x) => /^change to/.test(x.title));
    assert.deepStrictEqual(
      fixes.map((x) => x.title),
      ['change to `u`', 'change to `w`'],
    );
    assert.ok(
      fixes.every((x) => !x.isPreferred),
      'two equal fixes: neither is preferred',
    );
    assert.ok(await vscode.workspace.applyEdit(fixes[1].edit!));
    assert.strictEqual(doc.lineAt(3).text, 'loss = (w*x - 1)^2');
  });
});
