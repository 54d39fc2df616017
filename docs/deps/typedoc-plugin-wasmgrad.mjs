// A TypeDoc plugin for two gaps between what TypeDoc reads and how wasmgrad is written:
// - tsc's stripInternal drops a constructor parameter property marked `/** @internal */` on
//   the parameter itself (Node's graph edges), but TypeDoc reads such a property's comment only
//   from the constructor's @param tag, so it would still document it: mark it internal here.
// - `torch.autograd` and `torch.utils` are objects whose members are marked `/** @function */`
//   so that TypeDoc documents them as functions with their own signatures' comments; the marker
//   leaves an empty comment on the function, which the index pages would show as "-": drop it,
//   so they show the first signature's summary.
import { Comment, Converter, ReflectionKind, TypeScript as ts } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Property)) return;
    const param = context.getSymbolFromReflection(reflection)?.declarations?.find(ts.isParameter);
    if (param === undefined || !ts.getJSDocTags(param).some((tag) => tag.tagName.text === "internal")) return;
    reflection.comment ??= new Comment();
    reflection.comment.modifierTags.add("@internal");
  });
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const r of context.project.getReflectionsByKind(ReflectionKind.Function)) {
      const c = r.comment;
      if (c !== undefined && c.summary.length === 0 && c.blockTags.length === 0 && c.modifierTags.size === 0) delete r.comment;
    }
  });
}
