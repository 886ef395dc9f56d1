// How `.loss` files read their CSV data, shared by the host's quick check and the analysis worker
// (no vscode import). In an untrusted workspace reads are limited to the workspace folders.
import * as fs from 'fs';
import * as path from 'path';

export const UNTRUSTED_READ_MESSAGE =
  'reading data files outside the workspace is disabled in an untrusted workspace (trust the workspace to allow it)';

function inside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** A `readFile` for CheckOptions: paths relative to baseDir; null roots = no restriction. */
export function makeReadFile(baseDir: string, allowedRoots: string[] | null): (p: string) => string {
  const roots = allowedRoots?.map(real);
  return (p: string) => {
    const resolved = path.resolve(baseDir, p);
    if (roots && !roots.some((r) => inside(real(resolved), r))) throw new Error(UNTRUSTED_READ_MESSAGE);
    return fs.readFileSync(resolved, 'utf8');
  };
}
