package pip

import (
	"fmt"
	"strings"
)

// PylockEntry finds the `--pylock FILE` (or `--pylock=FILE`) entry of a
// pip: section, envseal's spelling for "install exactly the files this
// pylock.toml names, by hash, without resolving". ok is false when the
// section has no such entry. The entry must stand alone: mixing it with
// requirements that pip would resolve would make the result depend on a
// resolution again, so that is an error, as are two --pylock entries and
// one without a file.
func PylockEntry(lines []string) (path string, ok bool, err error) {
	others := 0
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		var v string
		switch {
		case t == "--pylock":
			return "", false, fmt.Errorf("pip: section: --pylock needs a file (--pylock pylock.toml)")
		case strings.HasPrefix(t, "--pylock="):
			v = strings.TrimPrefix(t, "--pylock=")
		case strings.HasPrefix(t, "--pylock ") || strings.HasPrefix(t, "--pylock\t"):
			v = t[len("--pylock"):]
		default:
			others++
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if v == "" {
			return "", false, fmt.Errorf("pip: section: --pylock needs a file (--pylock pylock.toml)")
		}
		if ok {
			return "", false, fmt.Errorf("pip: section: --pylock is given twice (%s and %s)", path, v)
		}
		path, ok = v, true
	}
	if ok && others > 0 {
		return "", false, fmt.Errorf("pip: section: --pylock %s must be the only entry (it installs exactly the files it names; %d other entries would need resolving)", path, others)
	}
	return path, ok, nil
}
