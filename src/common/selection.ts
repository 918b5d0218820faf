import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Whether the client's selection under the current field reaches `path` (field names, e.g.
 * ['edges', 'node', 'owner']), through fragments and inline fragments alike. For look-ahead only:
 * a list that fetches what its items will be asked for in the same statement. Directives are
 * ignored, so an `@include(if: false)` field still counts as selected (a wasted join, never a
 * missing answer).
 */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  const visit = (set: SelectionSetNode | undefined, depth: number): boolean => {
    if (!set) return false;
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        if (selection.name.value === path[depth] && (depth === path.length - 1 || visit(selection.selectionSet, depth + 1))) return true;
      } else if (selection.kind === 'InlineFragment') {
        if (visit(selection.selectionSet, depth)) return true;
      } else if (visit(info.fragments[selection.name.value]?.selectionSet, depth)) {
        return true;
      }
    }
    return false;
  };
  return info.fieldNodes.some((node) => visit(node.selectionSet, 0));
}
