// Language features in a real VS Code: activation, diagnostics while typing, quick fixes, hovers,
// CodeLens, and the analysis service (worker, cache per version, stale results dropped).
import * as assert from 'assert';
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import {
  api,
  closeAll,
  DIVERGING,
  EXTENSION_ID,
  hoverPlain,
  hoverText,
  messagesOfType,
  noetherDiagnostics,
  open,
  plain,
  positionOf,
  waitFor,
  writeFile,
} from './helpers';

suite('Noether Lab: language support', () => {
  suiteTeardown(closeAll);

  test('activates on a .loss file and returns the test API', async () => {
    const editor = await open('two-layer-scalar.loss');
    assert.strictEqual(editor.document.languageId, 'loss');
    const a = await api();
    for (const k of ['analysisFor', 'lastSimulation', 'panelMessages', 'sidebarMessages'] as const) assert.strictEqual(typeof a[k], 'function', k);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['analyze', 'runSgd', 'compareSgdGd', 'findEquilibrium', 'stopRun', 'exportReport', 'showPanel']) {
      assert.ok(commands.includes(`noetherLab.${id}`), `command noetherLab.${id} is registered`);
    }
  });

  test('the analysis (in the worker) finds the rescaling symmetry of the two-layer net', async () => {
    const { document } = await open('two-layer-scalar.loss');
    const a = await (await api()).analysisFor(document.uri);
    assert.ok(a, 'an analysis');
    assert.deepStrictEqual(a.components, ['u', 'w']);
    assert.strictEqual(a.symmetries.length, 1);
    assert.strictEqual(a.symmetries[0].kind, 'rescaling');
    assert.strictEqual(a.symmetries[0].charge.text, 'u² − w²');
    // Where SGD ends (THEORY §4): gradient flow to the minimum uw = 2, then balanced: u = w = √2.
    const p = a.predictions[0];
    assert.strictEqual(p.status, 'equilibrium');
    assert.ok(Math.abs(p.endPoint.u - Math.SQRT2) < 1e-6 && Math.abs(p.endPoint.w - Math.SQRT2) < 1e-6, JSON.stringify(p.endPoint));
    assert.deepStrictEqual(p.charges, [0]);
    assert.ok(Math.abs(p.relaxationSteps - 6400) < 1, `relaxation ${p.relaxationSteps} steps`);
    // The start-orbit solve is still there, secondary: the balanced point of the start's orbit (uw = 0.3).
    assert.ok(Math.abs(a.symmetries[0].equilibrium.point.u - Math.sqrt(0.3)) < 1e-6);
    // Cached per URI + version: the same object comes back without re-analysing.
    assert.strictEqual(await (await api()).analysisFor(document.uri), a);
  });

  test('an unknown name is an error at its exact range, with a quick fix', async () => {
    const uri = await writeFile('broken.loss', 'param u = 1\nparam w = 2\ndata x ~ normal(0, 1)\nloss = (u*wx - x)^2\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor('diagnostics on broken.loss', () => {
      const d = noetherDiagnostics(uri);
      return d.length ? d : undefined;
    });
    const err = diags.find((d) => d.message.includes('unknown name'));
    assert.ok(err, `an unknown-name error among ${JSON.stringify(diags.map((d) => d.message))}`);
    assert.strictEqual(err.severity, vscode.DiagnosticSeverity.Error);
    // `wx` is one edit from `w` and from `x`: both are offered (features.test.ts checks the two fixes).
    assert.match(err.message, /unknown name `wx`; did you mean `w` or `x`\?/);
    // `wx` is on line 4 (0-based 3), columns 11–13 (0-based 10, exclusive 12).
    assert.deepStrictEqual([err.range.start.line, err.range.start.character, err.range.end.line, err.range.end.character], [3, 10, 3, 12]);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      err.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.title === 'change to `w`');
    assert.ok(fix?.edit, `a quick fix among ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.strictEqual(doc.lineAt(3).text, 'loss = (u*w - x)^2');
    await waitFor('the error to disappear after the fix', () =>
      noetherDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error) ? undefined : true,
    );
  });

  test('diagnostics follow typing: every error of the file is reported, and cleared when fixed', async () => {
    const uri = await writeFile('typing.loss', 'param u = 1\ndata x ~ normal(0, 1)\nloss = (u*x)^2\ntrain sgd(lr = 0.1)\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await (await api()).analysisFor(uri);
    assert.strictEqual(noetherDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length, 0);
    await editor.edit((e) => {
      e.replace(new vscode.Range(3, 0, 3, doc.lineAt(3).text.length), 'train sgd(lr = -1, batchh = 2)');
      e.insert(new vscode.Position(1, 0), 'data y ~ normall(0, 1)\n');
    });
    const errs = await waitFor('three errors', () => {
      const d = noetherDiagnostics(uri).filter((x) => x.severity === vscode.DiagnosticSeverity.Error);
      return d.length >= 3 ? d : undefined;
    });
    const msgs = errs.map((d) => d.message).join('\n');
    assert.match(msgs, /normall/);
    assert.match(msgs, /batchh/);
    assert.match(msgs, /lr/);
    await editor.edit((e) => {
      e.delete(new vscode.Range(1, 0, 2, 0));
      e.replace(new vscode.Range(4, 0, 4, doc.lineAt(4).text.length), 'train sgd(lr = 0.1)');
    });
    await waitFor('no errors after fixing', () => (noetherDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error) ? undefined : true));
  });

  test('stale analyses are dropped: a result for an older version reaches no view, and the analysis follows the latest version', async () => {
    // Version 1 takes seconds to analyse (a GL(6) two-layer linear net); version 2, typed while it
    // runs, has no symmetry (tanh). Each carries its own value of `s` to tell their results apart.
    const slow = (s: number) =>
      `param s = ${s}\nparam W[6,6] ~ normal(0, 0.3)\nparam V[6,6] ~ normal(0, 0.3)\ndata x[6] ~ normal(0, 1)\nloss = sum((V@(W@x) - x)^2) / 2 + (s - 1)^2\ntrain sgd(lr = 0.01, batch = 4)\n`;
    const quick = (s: number) => `param s = ${s}\nparam u = 1\nparam w = 1\ndata x ~ normal(0, 1)\nloss = (tanh(u*x)*w - x)^2 / 2 + (s - 1)^2\n`;
    const uri = await writeFile('edit.loss', quick(1));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const a = await api();
    await a.analysisFor(uri);
    await vscode.commands.executeCommand('noetherLab.showPanel', uri);
    await waitFor('the panel', () => (a.hasPanel(uri) ? true : undefined));
    // Every current analysis of the file is posted to its open panel: which values of s it showed.
    const shown = () => messagesOfType(a.panelMessages(uri), 'analysis').map((m) => m.analysis.initial.s);
    const whole = () => new vscode.Range(0, 0, doc.lineCount, 0);
    await editor.edit((e) => e.replace(whole(), slow(2)));
    const older = a.analysisFor(uri); // starts at once (no debounce) in the idle worker
    await editor.edit((e) => e.replace(whole(), quick(3)));
    const latest = await a.analysisFor(uri);
    assert.ok(doc.getText().includes('tanh'), 'the document has the last edit');
    assert.strictEqual(latest.initial.s, 3);
    assert.strictEqual(latest.symmetries.length, 0, 'the analysis is of the latest text');
    const dropped = await older;
    assert.ok(dropped, 'the older version was analysed to the end');
    assert.strictEqual(dropped.initial.s, 2);
    assert.ok(dropped.groups.length > 0, 'its GL(6) symmetry was found');
    // The worker runs one request at a time: the older result came first, and was not shown.
    await waitFor('the latest analysis in the panel', () => (shown().includes(3) ? true : undefined));
    assert.ok(!shown().includes(2), `a stale result reached the panel (shown: ${shown().join(', ')})`);
  });

  test('hover on a parameter: law (C) in closed form first, the equilibrium beside where SGD ends, then its symmetry group, charge and laws; the start orbit secondary', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    const analysis = await (await api()).analysisFor(doc.uri);
    const hover = await hoverPlain(doc, positionOf(doc, 'u', 0)); // `param u = 1.5`
    const lines = hover.split('\n');
    const law = analysis.symmetries[0].laws.sgdClosedForm;
    assert.ok(law, 'the engine derived law (C) in closed form');
    assert.strictEqual(lines[0].trimEnd(), law.text, 'the first line is the closed-form law');
    assert.match(
      lines[0].trimEnd(),
      /^d\(u² − w²\)\/dt = −η·\[\(1\/B\)·\(2·u²·w² − 8·u·w \+ 8\.25\) \+ \(u²·w² − 4·u·w \+ 4\)\]·\(u² − w²\) = .* \[η = 0\.05, B = 4\]$/,
      "the papers' form",
    );
    assert.match(
      lines[1],
      /^\*equilibrium\*: u² − w² = 0, or where the rate vanishes: −0\.075·u²·w² \+ 0\.3·u·w − 0\.303125 = 0 — \*solved\*: \*\*SGD ends at\*\* u = 1\.414, w = 1\.414 · C₁ = 0 · relaxes in ≈6400 steps \*\(sgd η=0\.05 B=4\)\* \[\$\(preview\) Predictions\]/,
      'the equilibrium condition beside where SGD ends',
    );
    assert.match(
      hover,
      /\*The charge of the symmetries is all the conservation laws of gradient flow \(Lie-algebra rank 1 of 2\)\.\*/,
      'the conservation laws, counted',
    );
    assert.ok(hover.indexOf('- **SGD, continuous time**') > hover.indexOf('*solved*'), 'the generic law stays below');
    assert.match(hover, /\*\*u\*\* — parameter \(scalar, initial value 1\.5\)/);
    assert.match(hover, /\*\*rescaling of u, w\*\* — rescaling, proved \(homogeneity\), dimension 1/, 'the group');
    assert.match(hover, /- \*\*charge\*\* C₁ = u² − w²/, 'the charge');
    assert.match(hover, /gradient flow/);
    assert.match(hover, /SGD, exact per step/);
    assert.match(hover, /η²/, 'the exact per-step law');
    assert.match(hover, /continuous time/);
    assert.match(hover, /dC\/dt/, 'the continuous law');
    assert.match(hover, /\*\*where SGD ends\*\*: C₁ = 0\n/);
    assert.match(hover, /\*secondary — balanced point of the start's orbit, not where SGD ends\*: C goes from 2\.21 to 0, at u = 0\.5477, w = 0\.5477/);
    assert.ok(hover.indexOf('where SGD ends') < hover.indexOf('secondary —'), 'the start orbit comes after');
    assert.doesNotMatch(hover, /λ\*/, 'no λ* any more');
    const md = await hoverText(doc, positionOf(doc, 'u', 0));
    assert.match(md, /\[\$\(preview\) Show in panel\]\(command:noetherLab\.showPanel\?/, 'a Show in panel link');
    assert.ok(
      md.includes(`command:noetherLab.showPanel?${encodeURIComponent(JSON.stringify([doc.uri.toString(), { prediction: 0 }]))}`),
      'a link to the prediction',
    );
    assert.ok(md.includes(`command:noetherLab.showPanel?${encodeURIComponent(JSON.stringify([doc.uri.toString(), { group: 0 }]))}`), 'a link to the group');
    // The same hover on a use of `w` inside the loss expression.
    const onUse = await hoverPlain(doc, positionOf(doc, 'w', 1)); // `u*w*x` in the loss
    assert.match(onUse.split('\n')[0], /^d\(u² − w²\)\/dt = −η·\[/);
    assert.match(onUse.split('\n')[1], /— \*solved\*: \*\*SGD ends at\*\* u = 1\.414, w = 1\.414/);
    assert.match(onUse, /\*\*w\*\* — parameter/);
    assert.match(onUse, /u² − w²/);
  });

  test('hover on `loss` and on a matrix parameter: the group by name with its matrix-form charge, not one block per generator', async () => {
    const { document: doc } = await open('two-layer-matrix.loss');
    const a = await (await api()).analysisFor(doc.uri);
    const hover = plain(await hoverText(doc, positionOf(doc, 'loss', 0, 1)));
    // The group's law in matrix form leads: the papers' form on the minimum manifold.
    assert.match(
      hover.split('\n')[0],
      /^on the minimum manifold \(∇L = 0\): dQ\/dt = η·\(1\/B\)·\(Wᵀ M W − U N Uᵀ\) = −η·\(1\/B\)·0\.12·Q, M = 0\.12·I₃, N = 0\.12·I₃/,
    );
    assert.match(
      hover.split('\n')[1],
      /^\*equilibrium\*: Wᵀ M W = U N Uᵀ — \*solved\*: \*\*SGD ends at\*\* U\[0,0\] = 1\.024, U\[0,1\] = 0\.2034, .*, … \(\+12 more\) · C₁ = 0, C₂ = 0, C₃ = 0, C₄ = 0, … \(\+2 more\) · relaxes in ≈83000 steps/,
    );
    assert.strictEqual(a.symmetries.length, 6, 'GL(3) has six generators');
    assert.match(hover, /\*\*6 symmetries\*\* of ℓ, in 1 group:/);
    assert.match(hover, /\*\*GL\(3\) on the hidden index of U, W\*\* — linear, proved \(covariance\), dimension 6/);
    assert.match(hover, /- \*\*charge\*\* Q = U Uᵀ − Wᵀ W\n/);
    assert.match(hover, /- \*\*gradient flow\*\*: dQ\/dt = 0/);
    assert.match(hover, /- \*\*SGD, exact per step\*\*: Q\(θₜ₊₁\) = Q\(θₜ\) \+ η²·\(ĝ_U ĝ_Uᵀ − ĝ_Wᵀ ĝ_W\)/);
    assert.match(hover, /- \*\*generators\*\*: dimension 6: C₁, C₂, C₃, C₄, C₅, C₆\n/);
    assert.strictEqual(hover.split('- **charge**').length - 1, 1, 'one group block');
    assert.doesNotMatch(hover, /U\[0,0\]² \+ U\[0,1\]²/, 'no generator component sums');
    // The same group on the parameter W (its use in the loss).
    const onW = plain(await hoverText(doc, positionOf(doc, 'W', 1)));
    assert.match(onW, /\*\*W\*\* — parameter \(3×3\)/);
    assert.match(onW, /\*\*GL\(3\) on the hidden index of U, W\*\*[^\n]*\n\n- \*\*acts on\*\* U, W\n- \*\*charge\*\* Q = U Uᵀ − Wᵀ W\n/);

    const { document: tanh } = await open('tanh-network.loss');
    await (await api()).analysisFor(tanh.uri);
    const none = plain(await hoverText(tanh, positionOf(tanh, 'loss', 0, 1)));
    assert.match(none.split('\n')[0], /^\*\*SGD ends:\*\* no prediction \*\(sgd η=0\.05 B=4\)\*/);
    assert.match(none, /the loss has no continuous symmetry/);
    assert.match(none, /No continuous symmetry/);
  });

  test('a model beyond 400 components: a short hover with the group and its summarised generators; the lens names the group', async () => {
    // The browser tests' fixture: a 12-20-10 linear net, GL(20) on its hidden index.
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const uri = await writeFile('gl20.loss', fs.readFileSync(path.join(ext.extensionPath, 'test', 'browser', 'fixtures', 'linear-net-gl20.loss'), 'utf8'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const a = await (await api()).analysisFor(uri);
    assert.strictEqual(a.components.length, 440);
    assert.strictEqual(a.predictions[0].status, 'none');
    const hover = await hoverPlain(doc, positionOf(doc, 'U', 0));
    assert.match(hover.split('\n')[0], /^\*\*SGD ends:\*\* no prediction/);
    assert.match(hover, /limited to 400 parameter components; this model has 440/);
    assert.match(hover, /\*\*GL\(20\) on the hidden index of U, W\*\* — linear, proved \(covariance\), dimension 210/);
    assert.match(hover, /- \*\*charge\*\* Q = U Uᵀ − Wᵀ W\n/);
    assert.match(hover, /- \*\*generators\*\*: dimension 210: Q\[0,0\], Q\[1,1\], Q\[0,1\] tracked in runs, 207 more not listed/);
    assert.ok(hover.length < 2500, `a short hover (${hover.length} characters)`);
    const lens = await waitFor('the loss lens', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l?.find((x) => x.command?.title.includes('symmetries'));
    });
    assert.strictEqual(lens.command!.title, '$(symbol-misc) 210 symmetries: GL(20) on the hidden index of U, W: Q = U Uᵀ − Wᵀ W');
  });

  test('hovers on a train key, an optimizer, a function and a distribution give their docs; `lr` gives its bound', async () => {
    const { document: doc } = await open('two-layer-matrix.loss');
    await (await api()).analysisFor(doc.uri);
    const lr = await hoverPlain(doc, positionOf(doc, 'lr'));
    assert.match(lr, /η < 2\/λ_max\(H\)/, 'the stability bound on lr');
    assert.match(
      lr,
      /\*\*This train line:\*\* 2\/λ_max\(H\) = 1\.03 at the start \(λ_max = 1\.941\), 0\.6667 at the predicted end \(λ_max = 3\)\. ✓ lr = 0\.01 is below the bound 0\.6667\./,
    );
    assert.match(await hoverText(doc, positionOf(doc, 'batch')), /minibatch size B/);
    assert.match(await hoverText(doc, positionOf(doc, 'sgd')), /stochastic gradient descent/);
    assert.match(await hoverText(doc, positionOf(doc, 'norm2')), /sum of squares/);
    assert.match(await hoverText(doc, positionOf(doc, 'normal')), /Gaussian/);
    // Each train line its own bound: the gd line of the scalar net ends at a sharper minimum.
    const { document: scalar } = await open('two-layer-scalar.loss');
    await (await api()).analysisFor(scalar.uri);
    assert.match(await hoverPlain(scalar, positionOf(scalar, 'lr', 0)), /0\.5 at the predicted end \(λ_max = 4\)\. ✓ lr = 0\.05 is below the bound 0\.5\./);
    assert.match(
      await hoverPlain(scalar, positionOf(scalar, 'lr', 1)),
      /0\.4376 at the minimum gradient flow reaches \(λ_max = 4\.57\)\. ✓ lr = 0\.05 is below the bound 0\.4376\./,
    );
  });

  test('CodeLens: symmetries and Where SGD ends on `loss`; SGD ends at …, Run and Compare on the train lines', async () => {
    const { document: doc } = await open('two-layer-scalar.loss');
    await (await api()).analysisFor(doc.uri);
    const lenses = await waitFor('resolved CodeLenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l && l.some((x) => x.command?.title.includes('1 symmetry')) ? l : undefined;
    });
    const lossLine = positionOf(doc, 'loss').line;
    const onLoss = lenses.filter((l) => l.range.start.line === lossLine).map((l) => l.command!);
    assert.ok(
      onLoss.some((c) => c.command === 'noetherLab.showPanel' && c.title === '$(symbol-misc) 1 symmetry: rescaling of u, w: C₁ = u² − w²'),
      JSON.stringify(onLoss),
    );
    assert.ok(onLoss.some((c) => c.command === 'noetherLab.findEquilibrium' && c.title === '$(target) Where SGD ends'));
    const trainLines = [positionOf(doc, 'train', 0).line, positionOf(doc, 'train', 1).line];
    for (const [i, line] of trainLines.entries()) {
      const cmds = lenses.filter((l) => l.range.start.line === line).map((l) => l.command!);
      assert.ok(
        cmds.some((c) => c.command === 'noetherLab.runSgd' && c.arguments?.[1] === i),
        `Run on train line ${i}`,
      );
      assert.ok(
        cmds.some((c) => c.command === 'noetherLab.compareSgdGd' && c.arguments?.[1] === i),
        `Compare on train line ${i}`,
      );
      const ends = cmds.filter((c) => c.title.includes('SGD ends'));
      if (i === 0) {
        // The noisy line: where it ends, first, opening its prediction in the panel.
        assert.deepStrictEqual(
          ends.map((c) => c.title),
          ['$(target) SGD ends at u = 1.414, w = 1.414 · ≈6400 steps'],
        );
        assert.strictEqual(ends[0].command, 'noetherLab.showPanel');
        assert.deepStrictEqual(ends[0].arguments, [doc.uri.toString(), { prediction: 0 }]);
        assert.match(String(ends[0].tooltip), /C₁ = 0/);
      } else assert.deepStrictEqual(ends, [], 'no prediction for gd');
    }
    // Long end points are cut: GL(3) has 18 components.
    const { document: matrix } = await open('two-layer-matrix.loss');
    await (await api()).analysisFor(matrix.uri);
    const m = await waitFor('the matrix CodeLenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', matrix.uri);
      return l?.find((x) => x.command?.title.includes('SGD ends at'));
    });
    assert.strictEqual(m.command!.title, '$(target) SGD ends at U[0,0] = 1.024, U[0,1] = 0.2034, U[0,2] = 0.03833, … (+15 more) · ≈83000 steps');
  });

  test('a learning rate above 2/λ_max(H): a warning on `lr` with a fix', async () => {
    const uri = await writeFile('diverging.loss', DIVERGING);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    await (await api()).analysisFor(uri);
    const warn = await waitFor('the stability warning', () => noetherDiagnostics(uri).find((d) => /stability bound/.test(d.message)));
    assert.strictEqual(warn.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(warn.message, /^lr = 2\.5 is at or above the stability bound 2\/λ_max\(H\) = 2\.00 at the initial point \(λ_max = 1\.00\)/);
    const lr = positionOf(doc, '2.5');
    assert.deepStrictEqual(
      [warn.range.start.line, warn.range.start.character, warn.range.end.character],
      [lr.line, lr.character, lr.character + 3],
      'on the value of lr',
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      warn.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    assert.ok(
      actions.some((a) => /^set lr = 1\.7/.test(a.title)),
      `a fix among ${JSON.stringify(actions.map((a) => a.title))}`,
    );
    // The lr hover says the same.
    assert.match(await hoverPlain(doc, positionOf(doc, 'lr')), /⚠ lr = 2\.5 is at or above the bound 2: gradient descent diverges/);
  });

  test('grammar, comments and snippets are contributed', async () => {
    const ext = vscode.extensions.getExtension('noether-lab.noether-lab')!;
    const c = ext.packageJSON.contributes;
    assert.strictEqual(c.grammars[0].scopeName, 'source.loss');
    assert.strictEqual(c.snippets[0].language, 'loss');
    const uri = await writeFile('comment.loss', 'param u = 1\nloss = u^2\n');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await vscode.commands.executeCommand('editor.action.commentLine');
    await waitFor(`line 1 commented with # (it is ${JSON.stringify(doc.lineAt(0).text)})`, () => doc.lineAt(0).text.startsWith('# param'), 5000);
    await vscode.commands.executeCommand('undo');
    const items = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      doc.uri,
      new vscode.Position(doc.lineCount - 1, 0),
    );
    assert.ok(
      items.items.some((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'problem' || i.detail?.includes('complete .loss file')),
      'the new-problem snippet',
    );
  });
});
