// The report stage: a run's figures and verdict as console text, markdown, CSV and JSON files.
export { progressPlan, progressPrinter, resultsTable, verdictText, checksTable } from './console.ts';
export { claimOutputDir, OutputInUseError, writeResultFiles } from './files.ts';
export { baselineMarkdown, codeSpan, commentMarker, escapeText, fencedBlock, latencyChart, markdownReport, visibleControls, type ReportLinks } from './markdown.ts';
export { exceptionsCsv, failuresCsv, statsCsv, statsHistoryCsv } from './csv.ts';
export { writeRunReport, type RunReport } from './run.ts';
export { breachText, describeMetric, headline, limitText, noticeText, STATUS_TITLE, undecidedText } from './words.ts';
