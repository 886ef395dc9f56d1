// Syntax tree of a `.loss` file. Every node keeps its source span for diagnostics and hovers.
import { Span } from './diagnostics';

export type Expr =
  | { kind: 'number'; value: number; span: Span }
  | { kind: 'name'; name: string; span: Span }
  | { kind: 'list'; items: Expr[]; span: Span }
  | { kind: 'unary'; op: '-' | '+'; arg: Expr; span: Span }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '^' | '@'; left: Expr; right: Expr; span: Span }
  | { kind: 'call'; callee: string; calleeSpan: Span; args: Expr[]; span: Span }
  | { kind: 'index'; target: Expr; indices: Expr[]; span: Span };

export interface ShapeDecl {
  dims: number[];
  span: Span;
}

export interface DistExpr {
  name: string;
  nameSpan: Span;
  args: Expr[];
  span: Span;
}

export interface ParamDecl {
  name: string;
  nameSpan: Span;
  shape?: ShapeDecl;
  init?: { kind: 'value'; value: Expr } | { kind: 'dist'; dist: DistExpr };
  span: Span;
}

export interface DataName {
  name: string;
  nameSpan: Span;
  shape?: ShapeDecl;
}

export interface TrainArg {
  key: string;
  keySpan: Span;
  value: Expr;
  span: Span;
}

export type Statement =
  | { kind: 'param'; decls: ParamDecl[]; span: Span }
  | { kind: 'data'; names: DataName[]; dist?: DistExpr; file?: { path: string; span: Span }; span: Span }
  | { kind: 'dataset'; size: Expr; seed?: Expr; seedSpan?: Span; span: Span }
  | { kind: 'let'; name: string; nameSpan: Span; value: Expr; span: Span }
  | { kind: 'loss'; value: Expr; span: Span; keywordSpan: Span }
  | { kind: 'train'; optimizer: string; optimizerSpan: Span; args: TrainArg[]; span: Span };

export interface Program {
  statements: Statement[];
  /** Keywords of statements that did not parse (so that their absence is not reported again). */
  unparsed?: string[];
}

/** Every name an expression uses (not the callees of calls), in source order. */
export function namesIn(e: Expr): { name: string; span: Span }[] {
  const out: { name: string; span: Span }[] = [];
  const walk = (x: Expr) => {
    switch (x.kind) {
      case 'name':
        out.push({ name: x.name, span: x.span });
        break;
      case 'list':
        x.items.forEach(walk);
        break;
      case 'unary':
        walk(x.arg);
        break;
      case 'binary':
        walk(x.left);
        walk(x.right);
        break;
      case 'call':
        x.args.forEach(walk);
        break;
      case 'index':
        walk(x.target);
        x.indices.forEach(walk);
        break;
    }
  };
  walk(e);
  return out;
}
