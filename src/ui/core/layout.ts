/**
 * Yoga glue: a small, typed subset of flexbox that widgets and screens set (`widget.layout({...})`), and
 * the measure function that lets text-sized widgets (labels, buttons without a fixed size) report their size.
 */
import Yoga, {
  Align,
  Edge,
  FlexDirection,
  Gutter,
  Justify,
  MeasureMode,
  PositionType,
  type MeasureFunction,
  type Node as YogaNode,
} from 'yoga-layout';

export type { YogaNode };

type Length = number | `${number}%` | 'auto';
type Sides = number | { top?: number; right?: number; bottom?: number; left?: number; x?: number; y?: number };

export interface LayoutProps {
  width?: Length;
  height?: Length;
  minWidth?: number | `${number}%`;
  minHeight?: number | `${number}%`;
  maxWidth?: number | `${number}%`;
  maxHeight?: number | `${number}%`;
  flexDirection?: 'row' | 'column';
  flexGrow?: number;
  flexShrink?: number;
  flexBasis?: number | 'auto';
  flexWrap?: boolean;
  justifyContent?: 'start' | 'center' | 'end' | 'space-between' | 'space-around' | 'space-evenly';
  alignItems?: 'start' | 'center' | 'end' | 'stretch';
  alignSelf?: 'auto' | 'start' | 'center' | 'end' | 'stretch';
  padding?: Sides;
  margin?: Sides;
  gap?: number;
  /** 'absolute' takes the widget out of the flow (overlays, toasts); place it with top/left/right/bottom. */
  position?: 'relative' | 'absolute';
  top?: number;
  left?: number;
  right?: number;
  bottom?: number;
}

const JUSTIFY = {
  start: Justify.FlexStart,
  center: Justify.Center,
  end: Justify.FlexEnd,
  'space-between': Justify.SpaceBetween,
  'space-around': Justify.SpaceAround,
  'space-evenly': Justify.SpaceEvenly,
} as const;
const ALIGN = { auto: Align.Auto, start: Align.FlexStart, center: Align.Center, end: Align.FlexEnd, stretch: Align.Stretch } as const;

function setSides(p: Sides, set: (edge: Edge, v: number) => void): void {
  if (typeof p === 'number') return set(Edge.All, p);
  if (p.x !== undefined) set(Edge.Horizontal, p.x);
  if (p.y !== undefined) set(Edge.Vertical, p.y);
  if (p.top !== undefined) set(Edge.Top, p.top);
  if (p.right !== undefined) set(Edge.Right, p.right);
  if (p.bottom !== undefined) set(Edge.Bottom, p.bottom);
  if (p.left !== undefined) set(Edge.Left, p.left);
}

export function createNode(): YogaNode {
  return Yoga.Node.create();
}

/** Applies the given props to a yoga node; props left out keep their current value. */
export function applyLayout(node: YogaNode, p: LayoutProps): void {
  if (p.width !== undefined) node.setWidth(p.width);
  if (p.height !== undefined) node.setHeight(p.height);
  if (p.minWidth !== undefined) node.setMinWidth(p.minWidth);
  if (p.minHeight !== undefined) node.setMinHeight(p.minHeight);
  if (p.maxWidth !== undefined) node.setMaxWidth(p.maxWidth);
  if (p.maxHeight !== undefined) node.setMaxHeight(p.maxHeight);
  if (p.flexDirection !== undefined) node.setFlexDirection(p.flexDirection === 'row' ? FlexDirection.Row : FlexDirection.Column);
  if (p.flexGrow !== undefined) node.setFlexGrow(p.flexGrow);
  if (p.flexShrink !== undefined) node.setFlexShrink(p.flexShrink);
  if (p.flexBasis !== undefined) node.setFlexBasis(p.flexBasis);
  if (p.flexWrap !== undefined) node.setFlexWrap(p.flexWrap ? 1 : 0);
  if (p.justifyContent !== undefined) node.setJustifyContent(JUSTIFY[p.justifyContent]);
  if (p.alignItems !== undefined) node.setAlignItems(ALIGN[p.alignItems]);
  if (p.alignSelf !== undefined) node.setAlignSelf(ALIGN[p.alignSelf]);
  if (p.padding !== undefined) setSides(p.padding, (e, v) => node.setPadding(e, v));
  if (p.margin !== undefined) setSides(p.margin, (e, v) => node.setMargin(e, v));
  if (p.gap !== undefined) node.setGap(Gutter.All, p.gap);
  if (p.position !== undefined) node.setPositionType(p.position === 'absolute' ? PositionType.Absolute : PositionType.Relative);
  if (p.top !== undefined) node.setPosition(Edge.Top, p.top);
  if (p.left !== undefined) node.setPosition(Edge.Left, p.left);
  if (p.right !== undefined) node.setPosition(Edge.Right, p.right);
  if (p.bottom !== undefined) node.setPosition(Edge.Bottom, p.bottom);
}

/**
 * A yoga measure function for content of an intrinsic size (text): `intrinsic()` gives the natural size;
 * yoga's constraint (exactly / at most) is honoured so a long label shrinks and is ellipsized when drawn.
 */
export function intrinsicMeasure(intrinsic: () => { width: number; height: number }): MeasureFunction {
  return (width, widthMode, height, heightMode) => {
    const s = intrinsic();
    const fit = (natural: number, avail: number, mode: MeasureMode): number =>
      mode === MeasureMode.Exactly ? avail : mode === MeasureMode.AtMost ? Math.min(natural, avail) : natural;
    return { width: fit(s.width, width, widthMode), height: fit(s.height, height, heightMode) };
  };
}
