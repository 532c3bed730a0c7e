// The local dashboard and the views of the store it shares with the CLI.
export { startDashboard, type Dashboard, type DashboardOptions } from './server.js';
export { openExistingStore } from './open.js';
export { findRun, RunNotFound } from './find_run.js';
export { runRow, type RunRow } from './run_view.js';
export { comparisonRows, type CompareRow } from './compare_rows.js';
export { runCharts, epochPoints, type NamedChart, type RunChartOptions } from './run_charts.js';
export { ladderOf, type LadderProbe } from './ladder.js';
export { gradNormChart, ladderChart, trialsChart, compareChart } from './charts.js';
export { fmt, when, duration } from './format.js';
