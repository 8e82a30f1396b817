import { writeFileSync } from 'node:fs';
import resultsSchema from '../../schema/results.schema.json' with { type: 'json' };
import type { Results } from '../metrics/index.ts';
import { InvalidFileError, SourceDocument, validate } from '../shared/document.ts';

/** Largest results.json read (a week-long run's series). */
const MAX_RESULTS_BYTES = 128 * 1024 * 1024;

/** Reads a results.json written by `mlload run`. */
export function readResults(file: string): Results {
  const doc = SourceDocument.read(file, MAX_RESULTS_BYTES);
  const problems = validate(doc, resultsSchema);
  if (problems.length > 0) throw new InvalidFileError(problems);
  return doc.value as Results;
}

/** Writes a results.json: the run's figures, and beside them whatever of its verdict the report put in words. */
export function writeResults(file: string, results: Results, verdict: Record<string, unknown> = {}): void {
  writeFileSync(file, `${JSON.stringify({ ...results, ...verdict }, null, 2)}\n`);
}
