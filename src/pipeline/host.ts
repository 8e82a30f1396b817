import type { History } from '../gate/index.ts';
import type { Results } from '../metrics/index.ts';
import type { Annotation } from '../report/index.ts';

/** Where a job's messages go: the runner's log and warnings, or the terminal. */
export interface Log {
  info(line: string): void;
  warning(line: string, title?: string): void;
}

/** Where a job's results go beyond its folder: the action's artifact, summary, comment and annotations. */
export interface Publisher {
  /** Whether `upload` keeps files where a reviewer can reach them (an artifact of the workflow run). */
  readonly storesArtifacts: boolean;
  /**
   * Uploads files of `dir` as one artifact: the artifact's page (null when unknown), or null where there is no artifact
   * storage. Throws on failure.
   */
  upload(name: string, dir: string, files: string[]): Promise<{ url: string | null } | null>;
  /** This workflow run's artifacts named `prefix…`, each downloaded into a folder of `dir`; null off a runner. */
  download(prefix: string, dir: string): Promise<Array<{ name: string; dir: string }> | null>;
  /** The job summary. */
  summary(markdown: string): Promise<void>;
  /**
   * The pull request's comment for this scenario, made or updated (found again by its hidden `marker`); its URL, or
   * null when none was posted.
   */
  comment(markdown: string, how: { failed: boolean; marker: string }): Promise<string | null>;
  annotate(annotations: Annotation[]): void;
}

/** A scenario's history, wherever it is kept (a branch of the repository, a local file). */
export interface HistoryStore {
  readonly label: string;
  /** Null when there is none yet; a corrupt one throws InvalidFileError. */
  read(): Promise<History | null>;
  /** The run added, the file thinned to `keep` whole runs: how many are kept, and the commit's URL. */
  append(results: Results, keep: number): Promise<{ entries: number; url: string | null }>;
}

/** What a job ends with, for the shell: its outputs, and why it fails (null: it passes). */
export interface JobOutcome {
  outputs: Record<string, string>;
  /** 'gate': the verdict fails; 'target': the target failed or was unreachable. */
  failure: { kind: 'gate' | 'target'; message: string } | null;
  /** The results table and verdict for a terminal or log, when the job judged a run. */
  text: string | null;
  /** Files written, for the CLI's "Wrote …" line. */
  files: string[];
}
