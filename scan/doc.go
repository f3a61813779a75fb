// Package scan finds plaintext secrets in files: the guard that keeps a
// credential out of a commit before CI raises the alarm.
//
// It sits beside env and secrets under the command (STYLE.md) and imports
// neither the secrets package nor the lockfile: the values of sealed secrets
// reach it through [Options.Sealed], a callback the caller fills from an
// opened section, and are compared in memory only.
//
// # Rules
//
// A [Scanner] applies three kinds of rule (see [Rules] for the list):
//
//   - credential shapes: AWS access key ids and secret keys, GitHub, GitLab
//     and Slack tokens, Slack webhooks, PEM and OpenSSH private keys, age
//     secret keys, conda channel tokens (/t/<token>/) and user:password@ in
//     URLs. The patterns are written from the token formats their issuers
//     publish; each has a cheap literal prefilter so that a file without,
//     say, "AKIA" never reaches the AWS expression;
//   - the `variables:` of environment files: a value whose name says it is
//     a secret (DB_PASSWORD, API_KEY, …) or whose text looks random (a long
//     base64 or hex string), located by yaml.v3 nodes;
//   - sealed values: any occurrence of the plaintext of a secret sealed in
//     envseal.lock.
//
// Placeholders are not secrets: ${VAR}, $VAR, %VAR%, <token>, {password},
// runs of x or *, and the AWS documentation's EXAMPLE keys are skipped.
//
// # Findings
//
// A [Finding] names a file, a line and a rule, and for variables and
// sealed values the variable's name. It never carries the matched text,
// so findings can be printed, logged and written as JSON.
//
// # Allow-list
//
// A line holding "envseal:allow" (in a comment: `# envseal:allow`) is not
// reported. An [Ignore] list (the .envsealignore file) holds gitignore
// patterns, which skip whole files, and PATTERN:RULE entries, which skip one
// rule in the files PATTERN matches.
//
// It owns finding plaintext secrets in files and staged blobs. It imports
// internal helpers (internal/gitindex) and YAML only; it must not import
// conda, env, lockfile, secrets or ops: sealed values reach it through a
// SealedFunc.
package scan
