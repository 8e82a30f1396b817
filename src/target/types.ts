/** What a run reports about its target: cold start, resources, image. */
export interface TargetFigures {
  kind: 'url' | 'container';
  url: string;
  image?: string;
  image_digest?: string;
  cold_start_ms?: number;
  first_prediction_ms?: number;
  cpu_percent?: { mean: number; peak: number };
  memory_mb?: { mean: number; peak: number };
}

/** A model server ready to take load. */
export interface Target {
  /** e.g. http://127.0.0.1:8080 */
  origin: string;
  /** Rejects when the target dies during the run (a crashed container); never resolves otherwise. */
  failure: Promise<never>;
  /** Container CPU and memory for the second just ended, when watched. */
  sample(): { cpu_percent: number; memory_mb: number } | null;
  /** Cold start, resources, image: what the report shows about the target. */
  figures(): TargetFigures;
  /** Marks the first successful prediction (for first_prediction_ms). */
  firstPrediction(atMs: number): void;
  /** Stops and removes what was started. Safe to call twice. */
  stop(): Promise<void>;
}

/** The target could not be reached or started: exit code 3. */
export class TargetError extends Error {
  /** Last lines of the container's log, when there is one. */
  readonly logs: string;
  constructor(message: string, logs = '') {
    super(logs ? `${message}\n--- last container log lines ---\n${logs}` : message);
    this.name = 'TargetError';
    this.logs = logs;
  }
}
