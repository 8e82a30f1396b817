// The github stage: the pull request comment, the results artifact, the baseline commit.
export { client, GitHubError, type Octokit } from './api.ts';
export { downloadArtifacts, onRunner, uploadResults } from './artifact.ts';
export { commitBaseline, type BaselineCommit } from './baseline-commit.ts';
export { findComment, tokenLogin, upsertComment } from './comment.ts';
export { readRunContext, type RunContext } from './context.ts';
export { commentOnPullRequest, recordRun, type CommentRequest, type Log } from './publish.ts';
export { historyLabel, historyPath, readBranchHistory, recordToBranch, type HistoryLocation } from './history.ts';
export { defaultStartAt, DEFAULT_START_DELAY_S } from './shards.ts';
