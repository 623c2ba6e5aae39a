import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Flex, Modal, Skeleton, Space, Tooltip, Typography } from 'antd';
import { ClearOutlined, CompressOutlined, MinusOutlined, PlusOutlined, UndoOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { buildingsApi, registryKeys } from '../../api/registry.js';
import { unitKeys, unitsApi, type Boundary, type UnitView } from '../../api/units.js';
import { useT } from '../../app/i18n.js';
import { hasPermission, useMe } from '../../app/session.js';
import {
  boundsOf, fit, outerRingsOf, panned, polygonOf, project as projectIn, ringsOf, selfIntersects, unproject as unprojectIn, zoomAbout,
  type Position, type View,
} from './drawing.js';

/** Where the district is (汉阳区), for a unit with nothing around it to go by. */
const DEFAULT_CENTRE: Position = [114.25, 30.55];
const CANVAS_HEIGHT = 440;
/** A press that moves less than this is a click (a corner), more is a pan. */
const CLICK_SLOP = 4;
/** Clicking this close to the first corner closes the ring. */
const CLOSE_RADIUS = 9;
const PALETTE = ['#91caff', '#b7eb8f', '#ffd591', '#d3adf7', '#87e8de', '#ffadd2', '#ffe58f', '#adc6ff', '#eaff8f', '#ffbb96'];
const NEW_COLOUR = '#fa541c';

/** The box's width, following its size. */
function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(el.clientWidth);
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

interface Reference {
  parent: UnitView | null;
  siblings: UnitView[];
  buildings: { id: string; name: string; lng: number; lat: number }[];
}

/** What is drawn for orientation: the parent's outline, the units alongside, the parent's buildings. */
function useReference(parentId: string | null, selfId: string | null): { loading: boolean; data: Reference } {
  const { data: me } = useMe();
  const registry = hasPermission(me, 'registry.read');
  const parent = useQuery({ queryKey: unitKeys.detail(parentId ?? ''), queryFn: () => unitsApi.detail(parentId!), enabled: !!parentId, retry: false });
  const siblings = useQuery({ queryKey: unitKeys.children(parentId ?? ''), queryFn: () => unitsApi.children(parentId!), enabled: !!parentId, retry: false });
  const buildings = useQuery({
    queryKey: [...registryKeys.buildings, 'draw', parentId ?? ''],
    queryFn: () => buildingsApi.list({ unitId: parentId!, limit: 200 }),
    enabled: !!parentId && registry,
    retry: false,
  });
  const data = useMemo<Reference>(() => ({
    parent: parent.data?.unit ?? null,
    siblings: (siblings.data ?? []).filter((u) => u.id !== selfId && u.boundary),
    buildings: (buildings.data?.items ?? []).flatMap((b) => (b.lng !== null && b.lat !== null ? [{ id: b.id, name: b.name, lng: b.lng, lat: b.lat }] : [])),
  }), [parent.data, siblings.data, buildings.data, selfId]);
  return { loading: parent.isLoading || siblings.isLoading || buildings.isLoading, data };
}

interface DrawProps {
  /** Whose boundary: the unit being edited (left out of the units alongside), or null for a new unit. */
  unit: { id: string; name: string } | null;
  /** The unit above: its outline, its other sub-units and its buildings are drawn for orientation. */
  parentId: string | null;
  /** The boundary in the form now, drawn dashed. */
  current: Boundary | null;
  open: boolean;
  onCancel: () => void;
  onDone: (boundary: Boundary) => void;
}

/**
 * Draw a unit's boundary by clicking its corners on a plain map (SVG, no tiles): the parent's
 * outline, the units alongside and the buildings are shown to go by; the polygon follows the
 * pointer as it is drawn; undo, clear, finish (three corners at least; the ring is closed here).
 */
export function BoundaryDrawModal({ unit, parentId, current, open, onCancel, onDone }: DrawProps) {
  const t = useT();
  const [points, setPoints] = useState<Position[]>([]);
  useEffect(() => { if (open) setPoints([]); }, [open]);
  const crossing = useMemo(() => selfIntersects(points), [points]);

  const finish = useCallback((pts: Position[]) => {
    if (pts.length < 3) return;
    onDone(polygonOf(pts));
  }, [onDone]);

  return (
    <Modal
      open={open}
      width={900}
      title={unit ? t('ui.units.draw.title', { name: unit.name }) : t('ui.units.draw.titleNew')}
      onCancel={onCancel}
      destroyOnHidden
      footer={(
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Space size={8}>
            <Button icon={<UndoOutlined />} disabled={points.length === 0} onClick={() => setPoints((p) => p.slice(0, -1))}>{t('ui.units.draw.undo')}</Button>
            <Button icon={<ClearOutlined />} disabled={points.length === 0} onClick={() => setPoints([])}>{t('ui.units.draw.clear')}</Button>
            <Typography.Text type="secondary" data-testid="draw-count">
              {t('ui.units.draw.points', { count: points.length })}
              {points.length < 3 && `（${t('ui.units.draw.needMore', { count: 3 - points.length })}）`}
            </Typography.Text>
          </Space>
          <Space size={8}>
            <Button onClick={onCancel}>{t('ui.common.cancel')}</Button>
            <Button type="primary" disabled={points.length < 3} onClick={() => finish(points)}>{t('ui.units.draw.finish')}</Button>
          </Space>
        </Flex>
      )}
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>{t('ui.units.draw.hint')}</Typography.Paragraph>
      {open && (
        <DrawCanvas
          parentId={parentId}
          selfId={unit?.id ?? null}
          current={current}
          points={points}
          onAdd={(p) => setPoints((pts) => {
            const last = pts[pts.length - 1];
            return last && last[0] === p[0] && last[1] === p[1] ? pts : [...pts, p];
          })}
          onClose={() => finish(points)}
          onUndo={() => setPoints((p) => p.slice(0, -1))}
        />
      )}
      {crossing && <Alert type="warning" showIcon style={{ marginTop: 8 }} title={t('ui.units.draw.selfIntersect')} />}
    </Modal>
  );
}

interface CanvasProps {
  parentId: string | null;
  selfId: string | null;
  current: Boundary | null;
  points: Position[];
  onAdd: (p: Position) => void;
  /** A click on the first corner, with three corners or more. */
  onClose: () => void;
  onUndo: () => void;
}

function DrawCanvas({ parentId, selfId, current, points, onAdd, onClose, onUndo }: CanvasProps) {
  const t = useT();
  const reference = useReference(parentId, selfId);
  const { parent, siblings, buildings } = reference.data;
  const [boxRef, width] = useWidth<HTMLDivElement>();
  const svgRef = useRef<SVGSVGElement>(null);
  const height = CANVAS_HEIGHT;

  // Everything to go by, in the order that decides the first view.
  const extent = useMemo(() => {
    const outlines = [...ringsOf(parent?.boundary), ...siblings.flatMap((s) => ringsOf(s.boundary)), ...ringsOf(current)].flat();
    if (outlines.length > 0) return { bounds: boundsOf([...outlines, ...buildings.map((b) => [b.lng, b.lat])])!, basis: 'outlines' as const };
    if (buildings.length > 0) return { bounds: boundsOf(buildings.map((b) => [b.lng, b.lat]))!, basis: 'buildings' as const };
    const [lng, lat] = DEFAULT_CENTRE;
    return { bounds: { west: lng - 0.012, east: lng + 0.012, south: lat - 0.01, north: lat + 0.01 }, basis: 'default' as const };
  }, [parent, siblings, buildings, current]);

  const [view, setView] = useState<View | null>(null);
  const fitted = useRef(false);
  useEffect(() => {
    if (reference.loading || width === 0 || fitted.current) return;
    fitted.current = true;
    setView(fit(extent.bounds, { width, height }));
  }, [reference.loading, width, extent, height]);

  const project = (lng: number, lat: number) => projectIn(view!, { width, height }, lng, lat);
  const unproject = (x: number, y: number) => unprojectIn(view!, { width, height }, x, y);
  const zoomAt = useCallback((factor: number, x = width / 2, y = height / 2) => {
    setView((v) => (v ? zoomAbout(v, { width, height }, factor, x, y) : v));
  }, [width, height]);

  // The wheel zooms about the pointer (a native listener: React's is passive and cannot stop the page scrolling).
  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [zoomAt, view !== null]);

  // Ctrl/⌘+Z takes the last corner back.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        onUndo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onUndo]);

  const press = useRef<{ x: number; y: number; view: View; moved: boolean; id: number } | null>(null);
  const [hover, setHover] = useState<[number, number] | null>(null);

  const local = (e: React.PointerEvent): [number, number] => {
    const r = svgRef.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };

  const onPointerDown = (e: React.PointerEvent<SVGSVGElement>) => {
    if (!view || e.button !== 0) return;
    const [x, y] = local(e);
    press.current = { x, y, view, moved: false, id: e.pointerId };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent<SVGSVGElement>) => {
    const [x, y] = local(e);
    setHover([x, y]);
    const p = press.current;
    if (!p || p.id !== e.pointerId) return;
    const dx = x - p.x, dy = y - p.y;
    if (!p.moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
    p.moved = true;
    setView(panned(p.view, dx, dy));
  };
  const onPointerUp = (e: React.PointerEvent<SVGSVGElement>) => {
    const p = press.current;
    press.current = null;
    if (!p || p.id !== e.pointerId || p.moved || !view) return;
    const [x, y] = local(e);
    if (points.length >= 3) {
      const [fx, fy] = project(points[0]![0], points[0]![1]);
      if (Math.hypot(x - fx, y - fy) <= CLOSE_RADIUS) {
        onClose();
        return;
      }
    }
    onAdd(unproject(x, y));
  };

  const pathOf = (rings: number[][][], close = true) => rings.map((ring) => ring.map((p, i) => {
    const [x, y] = project(p[0]!, p[1]!);
    return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
  }).join('') + (close ? 'Z' : '')).join('');

  const labelAt = (b: Boundary | null): [number, number] | null => {
    const outer = outerRingsOf(b).sort((r1, r2) => r2.length - r1.length)[0];
    const box = outer && boundsOf(outer);
    return box ? project((box.west + box.east) / 2, (box.south + box.north) / 2) : null;
  };

  const cursor = hover && view ? unproject(hover[0], hover[1]) : null;
  const drawnPixels = view ? points.map((p) => project(p[0], p[1])) : [];
  const notice = reference.loading ? null : extent.basis === 'buildings' ? t('ui.units.draw.aroundBuildings') : extent.basis === 'default' ? t('ui.units.draw.aroundDefault') : null;

  return (
    <div>
      {notice && <Alert type="info" showIcon style={{ marginBottom: 8 }} title={notice} data-testid="draw-notice" />}
      <div ref={boxRef} style={{ position: 'relative', height, border: '1px solid #d9d9d9', borderRadius: 6, overflow: 'hidden', background: '#fafafa' }}>
        {!view ? <div style={{ padding: 16 }}><Skeleton active /></div> : (
          <svg
            ref={svgRef}
            width={width}
            height={height}
            role="img"
            aria-label={t('ui.units.draw.canvas')}
            data-testid="boundary-drawer"
            style={{ display: 'block', cursor: press.current?.moved ? 'grabbing' : 'crosshair', touchAction: 'none', userSelect: 'none' }}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={() => { press.current = null; }}
            onPointerLeave={() => setHover(null)}
          >
            {parent?.boundary && (
              <path d={pathOf(ringsOf(parent.boundary))} fill="#f0f5ff" fillRule="evenodd" stroke="#1668dc" strokeWidth={2} />
            )}
            {siblings.map((s, i) => (
              <path key={s.id} d={pathOf(ringsOf(s.boundary))} fill={PALETTE[i % PALETTE.length]} fillOpacity={0.55} fillRule="evenodd" stroke="#ffffff" strokeWidth={1}>
                <title>{s.name}</title>
              </path>
            ))}
            {siblings.map((s) => {
              const at = labelAt(s.boundary);
              return at && (
                <text key={`label-${s.id}`} x={at[0]} y={at[1]} textAnchor="middle" dominantBaseline="middle" fontSize={12} fill="#595959" pointerEvents="none">{s.name}</text>
              );
            })}
            {current && (
              <path d={pathOf(ringsOf(current))} fill="none" stroke="#8c8c8c" strokeWidth={2} strokeDasharray="6 4" pointerEvents="none" />
            )}
            {buildings.map((b) => {
              const [x, y] = project(b.lng, b.lat);
              return (
                <circle key={b.id} cx={x} cy={y} r={3.5} fill="#1668dc" stroke="#ffffff" strokeWidth={1}>
                  <title>{b.name}</title>
                </circle>
              );
            })}
            {drawnPixels.length >= 3 && (
              <polygon points={drawnPixels.map(([x, y]) => `${x},${y}`).join(' ')} fill={NEW_COLOUR} fillOpacity={0.25} stroke="none" pointerEvents="none" />
            )}
            {drawnPixels.length >= 2 && (
              <polyline points={drawnPixels.map(([x, y]) => `${x},${y}`).join(' ')} fill="none" stroke={NEW_COLOUR} strokeWidth={2.5} pointerEvents="none" />
            )}
            {/* The closing edge, and the edges the next corner would make, follow the pointer. */}
            {drawnPixels.length >= 1 && hover && !press.current?.moved && (
              <polyline
                points={[drawnPixels[drawnPixels.length - 1]!, hover, ...(drawnPixels.length >= 2 ? [drawnPixels[0]!] : [])].map(([x, y]) => `${x},${y}`).join(' ')}
                fill="none" stroke={NEW_COLOUR} strokeWidth={1.5} strokeDasharray="4 4" pointerEvents="none"
              />
            )}
            {drawnPixels.length >= 3 && !hover && (
              <line x1={drawnPixels[drawnPixels.length - 1]![0]} y1={drawnPixels[drawnPixels.length - 1]![1]} x2={drawnPixels[0]![0]} y2={drawnPixels[0]![1]}
                stroke={NEW_COLOUR} strokeWidth={1.5} strokeDasharray="4 4" pointerEvents="none" />
            )}
            {drawnPixels.map(([x, y], i) => (
              <circle key={i} cx={x} cy={y} r={i === 0 ? 6 : 4.5} fill="#ffffff" stroke={NEW_COLOUR} strokeWidth={2} pointerEvents="none" data-testid="draw-vertex" />
            ))}
          </svg>
        )}
        {view && (
          <Space.Compact orientation="vertical" style={{ position: 'absolute', top: 8, right: 8 }}>
            <Tooltip title={t('ui.units.draw.zoomIn')} placement="left"><Button size="small" icon={<PlusOutlined />} aria-label={t('ui.units.draw.zoomIn')} onClick={() => zoomAt(1.5)} /></Tooltip>
            <Tooltip title={t('ui.units.draw.zoomOut')} placement="left"><Button size="small" icon={<MinusOutlined />} aria-label={t('ui.units.draw.zoomOut')} onClick={() => zoomAt(1 / 1.5)} /></Tooltip>
            <Tooltip title={t('ui.units.draw.fit')} placement="left">
              <Button
                size="small"
                icon={<CompressOutlined />}
                aria-label={t('ui.units.draw.fit')}
                onClick={() => setView(fit(points.length > 0 ? boundsOf([...points, ...ringsOf(parent?.boundary).flat()])! : extent.bounds, { width, height }))}
              />
            </Tooltip>
          </Space.Compact>
        )}
        {cursor && (
          <div style={{ position: 'absolute', left: 8, bottom: 6, fontSize: 12, background: 'rgba(255,255,255,0.85)', padding: '0 6px', borderRadius: 4, pointerEvents: 'none' }}>
            {t('ui.units.draw.cursor', { lng: cursor[0].toFixed(6), lat: cursor[1].toFixed(6) })}
          </div>
        )}
      </div>
      <Flex gap={16} wrap style={{ marginTop: 8, fontSize: 12, color: '#595959' }}>
        {parent?.boundary && <Legend swatch={<span style={{ ...SWATCH, background: '#f0f5ff', border: '2px solid #1668dc' }} />} text={t('ui.units.draw.legendParent', { name: parent.name })} />}
        {siblings.length > 0 && <Legend swatch={<span style={{ ...SWATCH, background: PALETTE[0] }} />} text={t('ui.units.draw.legendSiblings')} />}
        {buildings.length > 0 && <Legend swatch={<span style={{ ...SWATCH, width: 8, height: 8, borderRadius: 4, background: '#1668dc' }} />} text={t('ui.units.draw.legendBuildings')} />}
        {current && <Legend swatch={<span style={{ ...SWATCH, border: '2px dashed #8c8c8c' }} />} text={t('ui.units.draw.legendCurrent')} />}
        <Legend swatch={<span style={{ ...SWATCH, background: 'rgba(250,84,28,0.25)', border: `2px solid ${NEW_COLOUR}` }} />} text={t('ui.units.draw.legendNew')} />
      </Flex>
    </div>
  );
}

const SWATCH: React.CSSProperties = { display: 'inline-block', width: 14, height: 10, verticalAlign: 'middle', boxSizing: 'border-box' };

function Legend({ swatch, text }: { swatch: React.ReactNode; text: string }) {
  return <span>{swatch} <span style={{ verticalAlign: 'middle' }}>{text}</span></span>;
}
