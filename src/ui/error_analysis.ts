// A run's error analysis for the dashboard, from what the store kept: the
// metrics of each split (test as step 5 recorded it) and the validation
// views `auto` or `sixstep interpret` computed — with their charts.
import type { Store } from '../store/index.js';
import { confusionChart, importanceChart, reliabilityChart, residualsChart } from '../plot/index.js';
import type { NamedChart } from './run_charts.js';

export interface ErrorAnalysis {
  splits: Array<{ split: string; rows: number; metrics: Record<string, number | null> }>;
  perClass: Array<{ class: string; precision: number; recall: number; f1: number; support: number }> | null;
  mostConfused: Array<{ truth: string; predicted: string; count: number; shareOfTruth: number }>;
  topLosses: Array<Record<string, unknown>>;
  featureImportance: { baseLoss: number; repeats: number; features: Array<{ feature: string; mean: number; std: number }> } | null;
  charts: NamedChart[];
}

export function errorAnalysisOf(store: Store, runId: string): ErrorAnalysis | null {
  const all = store.splitMetrics(runId);
  if (!all.length) return null;
  const v = (all.find((s) => s.split === 'validation')?.detail ?? {}) as Record<string, any>;
  const charts: NamedChart[] = [];
  if (Array.isArray(v.confusion) && Array.isArray(v.classes)) charts.push({ name: 'confusion', title: 'Confusion matrix', spec: confusionChart({ classes: v.classes, counts: v.confusion }) });
  if (v.calibration?.bins) charts.push({ name: 'calibration', title: 'Reliability diagram', spec: reliabilityChart(v.calibration) });
  if (v.residuals?.points) charts.push({ name: 'residuals', title: 'Residuals against prediction', spec: residualsChart(v.residuals.points) });
  if (v.featureImportance?.features) charts.push({ name: 'importance', title: 'Permutation feature importance', spec: importanceChart(v.featureImportance.features, v.featureImportance.repeats) });
  return {
    splits: all.map((s) => ({ split: s.split, rows: s.rows, metrics: s.metrics })),
    perClass: v.perClass ?? null,
    mostConfused: v.mostConfused ?? [],
    topLosses: v.topLosses ?? [],
    featureImportance: v.featureImportance ?? null,
    charts,
  };
}
