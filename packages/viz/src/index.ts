// @attn/viz: attention heatmaps, loss curves, embedding maps and token views,
// as SVG strings (Node and browser) and as terminal text. Pure functions over
// plain arrays and labels; nothing here knows about models or tensors.
export { attentionHeatmapSvg, type HeatmapOptions } from './heatmap.js';
export { attentionGridSvg, type GridOptions } from './grid.js';
export { attentionRowSvg, type RowOptions } from './row.js';
export {
  terminalHeatmap,
  terminalTokens,
  shouldUseColor,
  stripAnsi,
  SHADES,
  type TerminalHeatmapOptions,
  type TerminalTokensOptions,
  type ColorEnvironment,
} from './terminal.js';
export { lossCurveSvg, type LossCurveOptions, type LossPoint } from './loss.js';
export { pca2d, type Pca2dOptions, type Pca2dResult } from './pca.js';
export { embeddingMapSvg, type EmbeddingMapOptions } from './embedding.js';
export { headColors, type HeadViewHead, type HeadViewOptions, headViewSvg } from './head-view.js';
export { type ModelViewOptions, modelViewSvg } from './model-view.js';
export { type ProbabilityBar, type ProbabilityBarsOptions, probabilityBarsSvg } from './probability-bars.js';
export { tokenViewSvg, type TokenPiece, type TokenViewOptions } from './tokens.js';
export { htmlReport, type ReportOptions, type ReportSection } from './report.js';
export { stackSvgs } from './stack.js';
export { ansiToHtml } from './ansi.js';
export { colorScale, defaultInterpolator, type ColorScale, type Interpolator } from './color.js';
export { escapeXml, visibleLabel } from './text.js';
