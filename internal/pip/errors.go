package pip

import (
	"fmt"
	"regexp"
	"strings"
)

// Error is a failed pip run. Requirement names the failing requirement
// as pip printed it ("nosuchpkg==1", "worldpkg==2.0", "hellopkg==1.0 and
// worldpkg==0.5") when one of pip's ERROR lines names it; Message is that
// line without its "ERROR: " prefix. Err is the underlying failure (an
// *exec.ExitError, [ErrNoPython], [ErrNoPip], or the context's error)
// and is returned by Unwrap.
type Error struct {
	// Op is the operation: "install", "install locked" or "resolve".
	Op string
	// Prefix is the environment pip ran for.
	Prefix string
	// Requirement is the failing requirement, "" when pip named none.
	Requirement string
	// Message is pip's explanation, "" when pip printed no ERROR line.
	Message string
	// Details holds pip's stderr from its first ERROR line on, then the
	// "The conflict is caused by:" explanation pip prints on stdout, at
	// most 50 lines: expected and actual hashes, conflicting requirements.
	Details []string
	// Err is the underlying error.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pip ")
	b.WriteString(e.Op)
	if e.Requirement != "" {
		b.WriteString(" ")
		b.WriteString(e.Requirement)
	}
	b.WriteString(": ")
	switch {
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("failed")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// errorPatterns extract the failing requirement from one ERROR line, most
// specific first: when several lines match, the earliest pattern wins.
var errorPatterns = []*regexp.Regexp{
	regexp.MustCompile(`^No matching distribution found for (.+?)\s*$`),
	regexp.MustCompile(`^Could not find a version that satisfies the requirement (.+?)(?: \(from versions:.*\))?\s*$`),
	regexp.MustCompile(`^Cannot install (.+?) because these package versions have conflicting dependencies`),
	regexp.MustCompile(`^Invalid requirement: '(.+?)'`),
	regexp.MustCompile(`^Package '(.+?)' requires a different Python`),
	regexp.MustCompile(`^Could not open requirements file: .*: '(.+)'\s*$`),
	regexp.MustCompile(`^Could not install requirement (.+?) because of`),
	regexp.MustCompile(`^Failed building wheel for (.+?)\s*$`),
	regexp.MustCompile(`^Failed to build (?:installable wheels for some pyproject\.toml based projects )?\(?([^()]+?)\)?\s*$`),
	regexp.MustCompile(`^Could not build wheels for (.+?),`),
	regexp.MustCompile(`^Directory '(.+?)' is not installable`),
	regexp.MustCompile(`^(.+?) is not a valid editable requirement`),
	regexp.MustCompile(`^(?:File|Directory) '?(.+?)'? (?:does not exist|not found)`),
	regexp.MustCompile(`^HTTP error \d+ while getting (\S+)`),
}

// blockHeads are ERROR lines followed by indented lines that name the
// requirements concerned (hash failures).
var blockHeads = []string{
	"THESE PACKAGES DO NOT MATCH THE HASHES",
	"Hashes are required in --require-hashes mode",
	"In --require-hashes mode, all requirements must have their versions pinned",
	"Can't verify hashes for these requirements",
	"Can't verify hashes for these file:// requirements",
	"The editable requirement",
}

// newError builds an [*Error] from pip's output and the run error.
func newError(op, prefix, stdout, stderr string, runErr error) *Error {
	e := &Error{Op: op, Prefix: prefix, Err: runErr}
	if strings.Contains(stderr, "No module named pip") {
		e.Err = fmt.Errorf("%w: %w", ErrNoPip, runErr)
		e.Message = ErrNoPip.Error()
		return e
	}
	e.Requirement, e.Message, e.Details = parseErrors(stderr)
	e.Details = append(e.Details, conflictLines(stdout)...)
	if len(e.Details) > 50 {
		e.Details = e.Details[:50]
	}
	if e.Message == "" {
		// No ERROR line (a traceback, a crash): the last line says most.
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
			e.Message = last
		}
	}
	return e
}

// parseErrors reads pip's stderr. It returns the failing requirement and
// the explaining line (see errorPatterns and blockHeads; without a match
// the first ERROR line and no requirement) and the lines from the first
// ERROR on.
func parseErrors(stderr string) (req, msg string, details []string) {
	lines := strings.Split(strings.ReplaceAll(stderr, "\r\n", "\n"), "\n")
	first := -1
	var errLines []int
	for i, l := range lines {
		if strings.HasPrefix(l, "ERROR: ") {
			if first < 0 {
				first = i
			}
			errLines = append(errLines, i)
		}
	}
	if first < 0 {
		return "", "", nil
	}
	for _, l := range lines[first:] {
		if len(details) == 50 {
			break
		}
		details = append(details, strings.TrimRight(l, " \t"))
	}
	for len(details) > 0 && details[len(details)-1] == "" {
		details = details[:len(details)-1]
	}
	best := len(errorPatterns)
	for _, i := range errLines {
		text := strings.TrimSpace(strings.TrimPrefix(lines[i], "ERROR: "))
		for _, head := range blockHeads {
			if strings.HasPrefix(text, head) {
				if r := blockRequirement(lines[i+1:]); r != "" {
					return r, firstSentence(text), details
				}
			}
		}
		for k, re := range errorPatterns[:best] {
			if m := re.FindStringSubmatch(text); m != nil {
				best, req, msg = k, cleanRequirement(m[1]), text
				break
			}
		}
	}
	for _, i := range errLines {
		if msg != "" {
			break
		}
		msg = strings.TrimSpace(strings.TrimPrefix(lines[i], "ERROR: "))
	}
	if msg == "" {
		msg = "pip printed an empty ERROR line"
	}
	return req, tempFileRef.ReplaceAllString(msg, ""), details
}

// tempFileRef matches pip's mention of the temporary requirements file
// this package writes, meaningless to the user.
var tempFileRef = regexp.MustCompile(` \(from -r \S*condaenv\.requirements\.txt \(line \d+\)\)`)

// cleanRequirement shortens a requirement as pip prints it: without
// " (from -r FILE (line N))" and " from URL", and "name@ URL" as "name".
func cleanRequirement(t string) string {
	t = strings.TrimSpace(t)
	if i := strings.Index(t, " (from "); i >= 0 {
		t = t[:i]
	}
	if i := strings.Index(t, " from "); i >= 0 && !strings.Contains(t[:i], " and ") {
		t = t[:i]
	}
	if name, _, ok := strings.Cut(t, "@"); ok && !strings.ContainsAny(name, "/:") {
		t = name
	}
	return strings.TrimSpace(t)
}

// blockRequirement returns the requirement named by the first indented
// line of a hash error block: "    worldpkg==2.0 from URL:" or
// "    worldpkg==2.0 --hash=sha256:…", without the "from" and hash parts
// and, for "name@ URL", without the URL.
func blockRequirement(lines []string) string {
	for _, l := range lines {
		if !strings.HasPrefix(l, "    ") {
			return ""
		}
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "Expected ") || strings.HasPrefix(t, "Got ") || strings.HasPrefix(t, "or ") {
			continue
		}
		t = strings.TrimSuffix(t, ":")
		if i := strings.Index(t, " --hash"); i >= 0 {
			t = t[:i]
		}
		return cleanRequirement(t)
	}
	return ""
}

// firstSentence returns s up to its first ". " (pip's long hash
// messages).
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// conflictLines returns pip's explanation of a resolution conflict from
// its stdout: "The conflict is caused by:" and the lines up to the next
// blank line.
func conflictLines(stdout string) []string {
	i := strings.LastIndex(stdout, "The conflict is caused by:")
	if i < 0 {
		return nil
	}
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(stdout[i:], "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			break
		}
		out = append(out, strings.TrimRight(l, " \t"))
	}
	return out
}
