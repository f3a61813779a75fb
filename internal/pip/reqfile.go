package pip

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// pathOptions are the requirements-file options whose value is a path
// (unless it is a URL), by every spelling pip accepts.
var pathOptions = map[string]string{
	"-r": "-r", "--requirement": "-r",
	"-c": "-c", "--constraint": "-c",
	"-e": "-e", "--editable": "-e",
	"-f": "-f", "--find-links": "-f",
}

// valueOptions are the other requirements-file options that take a value,
// so that "-i URL" is kept together.
var valueOptions = map[string]bool{
	"-i": true, "--index-url": true, "--extra-index-url": true,
	"--trusted-host": true, "--no-binary": true, "--only-binary": true,
	"--hash": true, "--global-option": true, "--config-settings": true,
	"--use-feature": true,
}

// RequirementsFile returns the text of the requirements file [Install]
// writes for lines, the `pip:` entries: one entry per line, comments and
// blank entries dropped, options kept, and relative paths (in -r, -c, -e,
// -f/--find-links and local path requirements such as ./pkg or
// dist/x.whl) made absolute against dir, so that they mean what they
// meant next to the environment file. URLs and `${VAR}` references are
// left for pip. dir must be absolute; "" leaves relative paths as they
// are. An option missing its value is an error naming the entry.
func RequirementsFile(lines []string, dir string) (string, error) {
	var b strings.Builder
	for _, raw := range lines {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out, err := rewriteLine(line, dir)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// rewriteLine rewrites one entry (see [RequirementsFile]).
func rewriteLine(line, dir string) (string, error) {
	if strings.ContainsAny(line, "\n\r") {
		return "", fmt.Errorf("pip entry %q: more than one line", line)
	}
	if !strings.HasPrefix(line, "-") {
		tok, rest := splitPathToken(line)
		if looksLikePath(tok, dir) {
			return absPath(tok, dir) + rest, nil
		}
		return line, nil
	}
	name, value, hasValue := splitOption(line)
	canon, isPath := pathOptions[name]
	if !isPath && !valueOptions[name] {
		return line, nil
	}
	if !hasValue || value == "" {
		return "", fmt.Errorf("pip entry %q: %s needs a value", line, name)
	}
	if !isPath || isURL(value) {
		return line, nil
	}
	if canon == "-e" {
		// "-e ./pkg[extra]": the extras stay outside the path.
		if i := strings.LastIndexByte(value, '['); i > 0 && strings.HasSuffix(value, "]") {
			return name + " " + absPath(value[:i], dir) + value[i:], nil
		}
	}
	return name + " " + absPath(value, dir), nil
}

// splitOption splits "-r file", "-rfile", "--requirement=file" and
// "--requirement file" into the option name and its value.
func splitOption(line string) (name, value string, ok bool) {
	if strings.HasPrefix(line, "--") {
		i := strings.IndexAny(line, "= \t")
		if i < 0 {
			return line, "", false
		}
		return line[:i], strings.TrimSpace(line[i+1:]), true
	}
	if len(line) < 2 {
		return line, "", false
	}
	name, value = line[:2], strings.TrimSpace(line[2:])
	value = strings.TrimPrefix(value, "=")
	return name, strings.TrimSpace(value), value != ""
}

// splitPathToken splits a requirement line into its first token (up to
// whitespace or ';', or '[' of extras) and the rest.
func splitPathToken(line string) (tok, rest string) {
	i := strings.IndexAny(line, " \t;[")
	if i < 0 {
		return line, ""
	}
	return line[:i], line[i:]
}

// isURL reports whether s is a URL or VCS reference rather than a path.
func isURL(s string) bool {
	if strings.Contains(s, "://") || strings.HasPrefix(s, "file:") {
		return true
	}
	for _, vcs := range []string{"git+", "hg+", "svn+", "bzr+"} {
		if strings.HasPrefix(s, vcs) {
			return true
		}
	}
	return false
}

// archiveSuffixes are the file names pip treats as local archives.
var archiveSuffixes = []string{".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar"}

// looksLikePath reports whether a requirement's first token is a local
// path, as pip decides: it starts with '.', contains a path separator, or
// names an existing archive file. Names, "name @ URL" and URLs are not
// paths.
func looksLikePath(tok, dir string) bool {
	if tok == "" || isURL(tok) || strings.Contains(tok, "@") || strings.HasPrefix(tok, "$") {
		return false
	}
	if strings.HasPrefix(tok, ".") || strings.ContainsRune(tok, '/') || strings.ContainsRune(tok, filepath.Separator) || filepath.IsAbs(tok) {
		return true
	}
	for _, suf := range archiveSuffixes {
		if strings.HasSuffix(strings.ToLower(tok), suf) {
			if dir == "" {
				return true
			}
			_, err := os.Stat(filepath.Join(dir, tok))
			return err == nil
		}
	}
	return false
}

// absPath makes p absolute against dir (when dir is not empty).
func absPath(p, dir string) string {
	if dir == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "~") {
		return p
	}
	return filepath.Join(dir, p)
}
