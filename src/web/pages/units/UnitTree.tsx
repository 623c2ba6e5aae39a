import { useMemo } from 'react';
import { Empty, Spin, Tree, type TreeDataNode } from 'antd';
import type { UnitView } from '../../api/units.js';
import { useT } from '../../app/i18n.js';
import { LevelTag } from '../../components/tags.js';
import type { useUnitTree } from './useUnitTree.js';

interface Node extends TreeDataNode {
  unit: UnitView;
  children?: Node[];
}

export function UnitTree({ tree, selected, onSelect }: { tree: ReturnType<typeof useUnitTree>; selected: string | null; onSelect: (id: string) => void }) {
  const t = useT();
  const { roots, childrenOf, loaded, expanded, setExpanded, loadChildren } = tree;
  const data = useMemo(() => {
    const build = (u: UnitView): Node => {
      const kids = childrenOf.get(u.id);
      return {
        key: u.id,
        title: u.name,
        unit: u,
        isLeaf: u.childCount === 0,
        children: kids?.map(build),
      };
    };
    return (roots.data ?? []).map(build);
  }, [roots.data, childrenOf]);

  if (roots.isPending) return <Spin style={{ display: 'block', padding: 24 }} />;
  if (roots.isError) return <Empty description={roots.error.message} />;
  if (data.length === 0) return <Empty description={t('ui.units.noScope')} />;
  return (
    <Tree<Node>
      treeData={data}
      blockNode
      showLine
      data-testid="unit-tree"
      selectedKeys={selected ? [selected] : []}
      expandedKeys={expanded}
      loadedKeys={loaded}
      onExpand={(keys) => setExpanded(keys.map(String))}
      loadData={(node) => loadChildren(String(node.key))}
      onSelect={(_keys, info) => onSelect(String(info.node.key))}
      titleRender={(n) => (
        <span style={{ whiteSpace: 'nowrap' }}>
          <LevelTag level={n.unit.level} />
          {n.unit.name}
        </span>
      )}
    />
  );
}
