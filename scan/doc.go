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
//     publish. One pass over a file finds the literals every rule needs
//     ("AKIA", "ghp_", "://", …) and each expression runs only on the lines
//     around them, so a file without "AKIA" never reaches the AWS
//     expression;
//   - the `variables:` of environment files: a value whose name says it is
//     a secret (DB_PASSWORD, API_KEY, …) or whose text looks random (a long
//     base64 or hex string), located by yaml.v3 nodes;
//   - sealed values: any occurrence of the plaintext of a secret sealed in
//     envseal.lock.
//
// Placeholders are not secrets: ${VAR}, $VAR, %VAR%, <token>, {password},
// runs of x or *, the AWS documentation's EXAMPLE keys, and credentials for
// the hosts reserved for documentation (example.com, *.test, *.invalid) are
// skipped. Binary files (a NUL byte in the first 8000 bytes) are not read.
//
// # Findings
//
// A [Finding] names a file, a line and a rule, and the name of the
// variables: entry or the sealed secret involved. It never carries the matched text,
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
