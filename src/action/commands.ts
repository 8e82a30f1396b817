/**
 * One workflow command line (`::warning::…`), escaped as @actions/core escapes it. Only the post
 * step uses this: @actions/core would bring an HTTP client (for OIDC) into a bundle that needs none.
 */
export function workflowCommand(command: 'warning' | 'error' | 'notice', message: string): string {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return `::${command}::${data}\n`;
}
