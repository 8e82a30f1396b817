// The report stage: a run's figures and verdict as console text, markdown, CSV and JSON files.
export { capacityLines, progressPlan, progressPrinter, resultsTable, verdictText, checksTable } from './console.ts';
export { claimOutputDir, OutputInUseError, writeResultFiles } from './files.ts';
export {
  baselineMarkdown,
  capacityCharts,
  codeSpan,
  commentMarker,
  escapeText,
  fencedBlock,
  latencyChart,
  markdownReport,
  visibleControls,
  type ReportLinks,
} from './markdown.ts';
export { capacityCsv, exceptionsCsv, failuresCsv, statsCsv, statsHistoryCsv } from './csv.ts';
export { writeRunReport, type RunReport } from './run.ts';
export {
  breachText,
  capacityText,
  exportText,
  failureModeText,
  describeMetric,
  headline,
  limitText,
  noticeText,
  soakAdviceText,
  STATUS_TITLE,
  undecidedText,
} from './words.ts';
export { historyCsv, historyJsonLines, historyTable } from './history.ts';
export { htmlReport, type HtmlInput } from './html.ts';
export { problemAnnotations, verdictAnnotations, type Annotation } from './annotations.ts';
