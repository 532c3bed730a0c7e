// Charts as files and as text.
export { toSvg, writeChart, type VegaLiteSpec } from './render.js';
export { asciiChart, type AsciiMark, type AsciiOptions } from './ascii.js';
export { lrFinderChart, lossCurvesChart, stepChart, gradNormChart, type LrFinderChartInput, type CurvePoint } from './charts.js';
export { confusionChart, reliabilityChart, residualsChart, importanceChart, type ReliabilityInput } from './error_charts.js';
export { namedAxis } from './names.js';
