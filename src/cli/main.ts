import { OutputInUseError, ShardMergeError, TargetError, UserError } from '../pipeline/index.ts';
import { InvalidFileError } from '../shared/document.ts';
import { VERSION } from '../shared/version.ts';
import { baselineCommand, compareCommand, historyCommand, reportCommand, validateCommand } from './commands.ts';
import { EXIT, UsageError } from './errors.ts';
import type { Io } from './io.ts';
import { mergeCommand, runCommand } from './run.ts';
import { helpOf, helpText, USAGE } from './usage.ts';

const defaultIo: Io = {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  isTTY: Boolean(process.stderr.isTTY) && !process.env.CI,
};

const COMMANDS: Record<string, (args: string[], io: Io) => number | Promise<number>> = {
  run: runCommand,
  validate: validateCommand,
  baseline: baselineCommand,
  compare: compareCommand,
  history: historyCommand,
  merge: mergeCommand,
  report: reportCommand,
};

/** Runs one CLI command; resolves to the process exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '--version' || command === '-v') {
      io.out(VERSION);
      return EXIT.ok;
    }
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!handler) throw new UsageError(`unknown command: ${command}`);
    const help = helpOf(command, rest);
    if (help) {
      io.out(helpText(help));
      return command === 'history' && rest.length === 0 ? EXIT.usage : EXIT.ok;
    }
    return await handler(rest, io);
  } catch (err) {
    return failure(err, io, command && Object.hasOwn(COMMANDS, command) ? command : null);
  }
}

/** An error as one message and its exit code; anything unforeseen is rethrown as internal (exit 4). */
function failure(err: unknown, io: Io, command: string | null): number {
  if (err instanceof InvalidFileError) {
    io.err(err.message);
    return EXIT.usage;
  }
  if (err instanceof UserError || err instanceof ShardMergeError || err instanceof OutputInUseError) {
    io.err(`mlload: ${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_')) {
    const unknown = /^Unknown option '([^']+)'/.exec((err as Error).message);
    const message = unknown ? `unknown option ${unknown[1]}` : (err as Error).message;
    io.err(`mlload: ${message}\nsee mlload ${command ? `${command} ` : ''}--help`);
    return EXIT.usage;
  }
  if (err instanceof TargetError) {
    io.err(`mlload: ${err.message}`);
    return EXIT.target;
  }
  throw err;
}
