import { ExitCode, FleetsimError } from '../core/errors.js';
import { ScenarioError, formatDiagnostics } from '../scenario/diagnostics.js';
import type { Terminal } from './terminal.js';

/** Turn any failure into a message (never a stack trace unless FLEETSIM_DEBUG is set) and an exit code. */
export function reportFailure(err: unknown, term: Terminal): number {
  const s = term.errStyle;
  if (err instanceof ScenarioError) {
    term.err(`${s.red(s.bold('error:'))} ${err.message}`);
    term.err(formatDiagnostics(err.diagnostics));
    return ExitCode.usage;
  }
  if (err instanceof FleetsimError) {
    term.err(`${s.red(s.bold('error:'))} ${err.message}`);
    if (err.hint !== undefined) term.err(`${s.dim('hint:')} ${err.hint}`);
    return err.exitCode();
  }
  const message = err instanceof Error ? err.message : String(err);
  term.err(`${s.red(s.bold('internal error:'))} ${message}`);
  if (process.env.FLEETSIM_DEBUG !== undefined && err instanceof Error) term.err(err.stack ?? '');
  else term.err(s.dim('set FLEETSIM_DEBUG=1 for the stack trace, and please report it'));
  return ExitCode.internal;
}
