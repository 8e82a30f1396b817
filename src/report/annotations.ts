import type { Verdict } from '../gate/index.ts';
import type { Problem } from '../shared/document.ts';
import { breachText, describeMetric, noticeText, undecidedText } from './words.ts';

/** A line for the host's log with a place in a file: an annotation on a runner, data here, mapped by the shell. */
export interface Annotation {
  level: 'notice' | 'warning' | 'error';
  title: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
}

/** The verdict's notices, undecided checks and breaches; a breach points at the scenario file. */
export function verdictAnnotations(verdict: Verdict, scenario: { name: string; file: string }): Annotation[] {
  const title = `mlload: ${scenario.name}`;
  const out: Annotation[] = verdict.notices.map((n) => ({ level: 'notice', title, message: noticeText(n) }));
  for (const c of verdict.checks.filter((x) => x.status === 'inconclusive')) {
    const where = c.scope === 'overall' ? '' : `${c.scope}: `;
    const why = undecidedText(c, verdict.comparison) ?? 'inconclusive';
    out.push({
      level: 'warning',
      title: `${title}: inconclusive`,
      message: `${where}${describeMetric(c.metric)}: ${why}`,
    });
  }
  for (const c of verdict.checks.filter((x) => x.status === 'fail'))
    out.push({ level: 'error', title, message: breachText(c, verdict.comparison), file: scenario.file });
  return out;
}

/** The problems of an invalid file, each at its line and key. */
export function problemAnnotations(problems: Problem[], title: string): Annotation[] {
  return problems.map((p) => ({
    level: 'error',
    title,
    message: `${p.key ? `${p.key}: ` : ''}${p.message}`,
    file: p.file,
    line: p.line || undefined,
    col: p.col || undefined,
  }));
}
