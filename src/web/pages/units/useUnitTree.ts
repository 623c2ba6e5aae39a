import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { unitKeys, unitsApi, type UnitView } from '../../api/units.js';

/**
 * The caller's scope as a lazily loaded tree. Roots and every loaded node's children live in the
 * query cache, so invalidating ['units'] after a change redraws exactly what changed.
 */
export function useUnitTree() {
  const queryClient = useQueryClient();
  const roots = useQuery({ queryKey: unitKeys.roots, queryFn: unitsApi.roots });
  const [loaded, setLoaded] = useState<string[]>([]);
  const [expanded, setExpanded] = useState<string[]>([]);

  const childQueries = useQueries({
    queries: loaded.map((id) => ({ queryKey: unitKeys.children(id), queryFn: () => unitsApi.children(id) })),
  });
  const childrenOf = useMemo(() => {
    const m = new Map<string, UnitView[]>();
    loaded.forEach((id, i) => {
      const data = childQueries[i]?.data;
      if (data) m.set(id, data);
    });
    return m;
  }, [loaded, childQueries]);

  const loadChildren = useCallback(async (id: string) => {
    await queryClient.ensureQueryData({ queryKey: unitKeys.children(id), queryFn: () => unitsApi.children(id) });
    setLoaded((l) => (l.includes(id) ? l : [...l, id]));
  }, [queryClient]);

  /** Open the tree down to a unit: load and expand each of its ancestors (top down). */
  const reveal = useCallback(async (ancestorIds: string[]) => {
    for (const id of ancestorIds) await loadChildren(id);
    setExpanded((e) => [...new Set([...e, ...ancestorIds])]);
  }, [loadChildren]);

  /** Drop a deleted unit from the tree (its cached queries expire by themselves). */
  const forget = useCallback((id: string) => {
    setLoaded((l) => l.filter((x) => x !== id));
    setExpanded((e) => e.filter((x) => x !== id));
  }, []);

  // A scope of a few roots opens one level on arrival: a community sees its grids at once.
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current || !roots.data) return;
    opened.current = true;
    const few = roots.data.filter((r) => r.childCount > 0).slice(0, 3);
    if (roots.data.length <= 3) void reveal(few.map((r) => r.id));
  }, [roots.data, reveal]);

  const expand = useCallback((id: string) => setExpanded((e) => (e.includes(id) ? e : [...e, id])), []);

  return { roots, childrenOf, loaded, expanded, setExpanded, loadChildren, reveal, forget, expand };
}
