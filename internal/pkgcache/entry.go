package pkgcache

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/archive"
)

const (
	recordFile  = "repodata_record.json"
	maxInfoJSON = 64 << 20 // paths.json of big packages runs to a few MB
)

// extract extracts the archive into a temporary directory of the writable
// cache, writes info/repodata_record.json there and renames the directory
// to <writable>/<dist>, replacing whatever was there. The caller holds the
// dist lock. A failed extraction removes the archive when it lives in the
// writable directory (it is corrupt or hostile) and leaves no entry.
func (r *run) extract(ctx context.Context, archivePath, fn string, rec *conda.Record, src source, got sums) (string, error) {
	dist, _ := archive.TrimExt(fn)
	tmp, err := os.MkdirTemp(r.writable, tmpPrefix+dist+"-")
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := archive.Extract(ctx, archivePath, tmp, &r.c.Extract); err != nil {
		if ctx.Err() == nil && filepath.Dir(archivePath) == r.writable {
			os.Remove(archivePath)
		}
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if err := writeRecord(tmp, rec, fn, src, got); err != nil {
		return "", fmt.Errorf("writing info/%s: %w", recordFile, err)
	}
	final := filepath.Join(r.writable, dist)
	if _, err := os.Lstat(final); err == nil {
		// An incomplete or different entry: move it aside, then delete it.
		trash, err := os.MkdirTemp(r.writable, trashPrefix+dist+"-")
		if err != nil {
			return "", err
		}
		if err := os.Rename(final, filepath.Join(trash, "old")); err != nil {
			os.Remove(trash)
			return "", fmt.Errorf("replacing %s: %w", final, err)
		}
		defer os.RemoveAll(trash)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("moving extracted package into place: %w", err)
	}
	ok = true
	return final, nil
}

// writeRecord writes info/repodata_record.json into the extracted tree at
// root: info/index.json overlaid with the record, then the archive's fn,
// credential-free url and channel, md5, sha256 and size. Writes go through
// an os.Root so that a hostile info/ symlink cannot redirect them.
func writeRecord(root string, rec *conda.Record, fn string, src source, got sums) error {
	rt, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer rt.Close()
	m := map[string]any{}
	if b, err := readLimited(rt, "info/index.json"); err == nil {
		if err := decodeJSON(b, &m); err != nil {
			return fmt.Errorf("reading info/index.json: %w", err)
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	rb, err := rec.MarshalJSON()
	if err != nil {
		return err
	}
	var rm map[string]any
	if err := decodeJSON(rb, &rm); err != nil {
		return err
	}
	for k, v := range rm {
		_, inIndex := m[k]
		// A record built from a bare URL (an @EXPLICIT line) has no
		// dependencies or build number: keep the package's own.
		if inIndex && ((k == "depends" && rec.Depends == nil) || (k == "build_number" && rec.BuildNumber == 0)) {
			continue
		}
		m[k] = v
	}
	m["fn"] = fn
	m["url"] = src.clean
	m["md5"] = got.md5
	m["sha256"] = got.sha256
	m["size"] = got.size
	if ch := rec.Channel; ch != "" {
		if strings.Contains(ch, "://") {
			if s, err := parseSource(ch); err == nil {
				ch = s.clean
			}
		}
		m["channel"] = ch
	}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := rt.MkdirAll("info", 0o755); err != nil {
		return err
	}
	return rt.WriteFile("info/"+recordFile, append(out, '\n'), 0o644)
}

func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

func readLimited(rt *os.Root, name string) ([]byte, error) {
	f, err := rt.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInfoJSON+1))
	if err == nil && len(b) > maxInfoJSON {
		err = fmt.Errorf("%s is larger than %d bytes", name, maxInfoJSON)
	}
	return b, err
}

// entryValid reports whether dir is a complete extraction of the archive
// with the wanted digests: its info/repodata_record.json names the wanted
// sha256 (or md5, when no sha256 is wanted) and size, and every path of
// info/paths.json (or info/files for old packages) exists, regular files
// with their recorded size (symlinks are not checked: real packages list
// links that were converted to empty files or skipped).
func entryValid(dir string, want sums) bool {
	rt, err := os.OpenRoot(dir)
	if err != nil {
		return false
	}
	defer rt.Close()
	b, err := readLimited(rt, "info/"+recordFile)
	if err != nil {
		return false
	}
	var rr struct {
		SHA256 string `json:"sha256"`
		MD5    string `json:"md5"`
		Size   int64  `json:"size"`
	}
	if json.Unmarshal(b, &rr) != nil {
		return false
	}
	switch {
	case want.sha256 != "":
		if !strings.EqualFold(rr.SHA256, want.sha256) {
			return false
		}
	case want.md5 != "":
		if !strings.EqualFold(rr.MD5, want.md5) {
			return false
		}
	default:
		return false
	}
	if want.size > 0 && rr.Size > 0 && rr.Size != want.size {
		return false
	}
	return filesPresent(rt)
}

// filesPresent checks the files listed by the package's metadata.
func filesPresent(rt *os.Root) bool {
	if b, err := readLimited(rt, "info/paths.json"); err == nil {
		var pj struct {
			Paths []struct {
				Path string `json:"_path"`
				Type string `json:"path_type"`
				Size *int64 `json:"size_in_bytes"`
			} `json:"paths"`
		}
		if json.Unmarshal(b, &pj) != nil {
			return false
		}
		for _, p := range pj.Paths {
			if p.Type == "softlink" {
				// Early .conda converters wrote empty link targets (the
				// extraction skips them) or empty files: not checkable.
				continue
			}
			// A plain lstat by path: only reading, and far cheaper than
			// os.Root's component-by-component walk for thousands of
			// files. Paths that are not local cannot be in a valid entry.
			rel := filepath.FromSlash(p.Path)
			if !filepath.IsLocal(rel) {
				return false
			}
			st, err := os.Lstat(filepath.Join(rt.Name(), rel))
			if err != nil {
				return false
			}
			switch {
			case p.Type == "directory":
				if !st.IsDir() {
					return false
				}
			case st.Mode().IsRegular():
				if p.Size != nil && *p.Size != st.Size() {
					return false
				}
			case st.Mode()&fs.ModeSymlink == 0:
				return false
			}
		}
		return true
	} else if !os.IsNotExist(err) {
		return false
	}
	b, err := readLimited(rt, "info/files")
	if err != nil {
		return os.IsNotExist(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if line = strings.TrimRight(line, "\r"); line == "" {
			continue
		}
		if _, err := rt.Lstat(filepath.FromSlash(line)); err != nil {
			return false
		}
	}
	return true
}
