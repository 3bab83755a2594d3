/** Configuration problems as values: each names its place, the directive and a fix. */

/** What went wrong, for programs (tests, JSON output) rather than people. */
export type IssueCode =
  | "read-failed"
  | "syntax"
  | "unknown-directive"
  | "missing-value"
  | "too-many-values"
  | "bad-value"
  | "duplicate"
  | "order"
  | "no-nodes"
  | "no-media"
  | "local-node-missing"
  | "timing"
  | "logging"
  | "permissions"
  | "auth"
  | "security"
  | "unknown-key"
  | "host";

/** One problem at one place. `line` is absent for whole-file problems. */
export interface ConfigIssue {
  readonly code: IssueCode;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** The ha.cf directive or TOML key path concerned (may be empty for file-level issues). */
  readonly directive: string;
  /** The offending value as written, when there is one. */
  readonly value?: string;
  /** A sentence the user can act on. */
  readonly message: string;
}

/** A problem that stops the configuration from being used. */
export type ConfigError = ConfigIssue;
/** A problem worth telling the user about that does not stop the daemon. */
export type ConfigWarning = ConfigIssue;

/** A refused input: every error found, and the warnings seen on the way. */
export interface Failure {
  ok: false;
  errors: ConfigError[];
  warnings: ConfigWarning[];
}

/** Either the parsed value with its warnings, or a Failure with every error found. */
export type ParseResult<T> = { ok: true; value: T; warnings: ConfigWarning[] } | Failure;

/** `file:line: directive: message` (line and directive left out when unknown). */
export function formatIssue(issue: ConfigIssue): string {
  let place = issue.file;
  if (issue.line !== undefined) place += `:${issue.line}`;
  if (issue.column !== undefined) place += `:${issue.column}`;
  return issue.directive
    ? `${place}: ${issue.directive}: ${issue.message}`
    : `${place}: ${issue.message}`;
}

/** Collects issues during a parse. */
export class IssueList {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];

  error(issue: ConfigIssue): void {
    this.errors.push(issue);
  }

  warn(issue: ConfigIssue): void {
    this.warnings.push(issue);
  }
}
