/**
 * The stack of open scopes behind `tidy` (scope.ts) and the library's own internal
 * scopes (the backward engine's, a composite op's temporaries): each collects the
 * tensors made while it is innermost, and closing it disposes them but what is kept.
 */

/** Tensors as scopes see them. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  /** @internal Kept alive past the enclosing tidy scopes (e.g. became a leaf's .grad). */
  _kept: boolean;
  /** @internal Now outside every scope: only the garbage collector can tell when it dies. */
  _leftScopes(): void;
}

/** Stack of open scopes; each collects the tensors made while it is innermost. Internal
 *  scopes (the backward engine's, an op's temporaries) are the library's own. */
const scopes: { made: Disposable[]; internal: boolean; compactAt: number }[] = [];

/** Collect `t` in the innermost scope; false when no scope is open. */
export function trackInScope(t: Disposable): boolean {
  const n = scopes.length;
  if (n === 0) return false; // (reading scopes[-1] would take V8's slow path on every tensor)
  const top = scopes[n - 1]!;
  if (top.made.push(t) > top.compactAt) compact(top);
  return true;
}

/** Drop already-disposed entries (a long loop inside one scope that disposes as it goes). */
function compact(scope: { made: Disposable[]; compactAt: number }): void {
  scope.made = scope.made.filter((t) => !t.isDisposed);
  scope.compactAt = Math.max(1024, scope.made.length * 2);
}

/** Hand a tensor the library no longer owns to the innermost user scope (tidy), if any. */
export function trackInUserScope(t: Disposable): void {
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (!scopes[i]!.internal) { scopes[i]!.made.push(t); return; }
  }
}

export function openScope(internal = false): void { scopes.push({ made: [], internal, compactAt: 1024 }); }

/** Close the innermost scope, disposing what it collected except `keep`;
 *  kept tensors move to the enclosing scope (tidies nest). */
export function closeScope(keep: Set<Disposable>): void {
  const made = scopes.pop()!.made;
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : undefined;
  const parent = outer?.made;
  for (const t of made) {
    if (t.isDisposed) continue;
    // kept tensors (a result, or a .grad that belongs to a tensor) stay tracked by the
    // enclosing scope: a .grad let go later (its tensor disposed, or replaced after it was
    // handed out) is then freed when that scope closes
    if (keep.has(t) || t._kept) { if (parent) parent.push(t); else t._leftScopes(); continue; }
    t.dispose();
  }
  // a long loop of inner scopes inside one outer scope hands it kept tensors that are
  // disposed later (replaced grads): drop those now and then so the list stays short
  if (outer !== undefined && outer.made.length > outer.compactAt) compact(outer);
}
