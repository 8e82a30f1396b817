import type { TargetSpec } from '../scenario/index.ts';
import { TargetError, type Target } from './types.ts';
import { startContainer } from './container.ts';
import { useUrl } from './url.ts';

export { TargetError, type Target, type TargetFigures } from './types.ts';

export interface StartOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Labels the containers of one job so a cleanup step finds them. */
  runLabel?: string;
}

/** Makes the scenario's target ready for load: checks a URL, or starts a container and waits for health. */
export async function startTarget(spec: TargetSpec, options: StartOptions = {}): Promise<Target> {
  if (spec.url) return useUrl({ ...spec, url: spec.url }, options);
  if (spec.image) {
    return startContainer({ ...spec, image: spec.image }, options);
  }
  throw new TargetError('the scenario has no target: give target.url or target.image');
}
