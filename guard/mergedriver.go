package guard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/envseal/envseal/internal/atomicfile"
	"github.com/envseal/envseal/internal/gitindex"
)

// AttributesLine is the .gitattributes line that has git merge
// envseal.lock (at any depth) with the envseal merge driver.
const AttributesLine = "envseal.lock merge=envseal"

// MergeDriverResult says what InstallMergeDriver did.
type MergeDriverResult struct {
	// Attributes is the .gitattributes file that names the driver.
	Attributes string
	// Already is true when the attributes line was there already (the git
	// config is rewritten anyway, to pick up a new command path).
	Already bool
}

// InstallMergeDriver registers `envseal merge-driver` for envseal.lock in
// the repository holding dir: merge.envseal.name and merge.envseal.driver
// in the repository's git config (local: git never takes a driver from a
// clone), and AttributesLine in the .gitattributes at the top of the
// working tree (committed, so teammates who run this get the same).
func InstallMergeDriver(ctx context.Context, dir, command string) (*MergeDriverResult, error) {
	top, err := gitindex.TopLevel(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("the merge driver needs a git repository: %w", err)
	}
	if _, err := gitindex.Git(ctx, top, "config", "merge.envseal.name", "envseal.lock: 3-way merge, secrets per entry"); err != nil {
		return nil, err
	}
	if _, err := gitindex.Git(ctx, top, "config", "merge.envseal.driver", shellQuote(command)+" merge-driver %O %A %B %P"); err != nil {
		return nil, err
	}
	path := filepath.Join(top, ".gitattributes")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	res := &MergeDriverResult{Attributes: path}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && (f[0] == "envseal.lock" || f[0] == "/envseal.lock" || f[0] == "**/envseal.lock") && slices.Contains(f[1:], "merge=envseal") {
			res.Already = true
			return res, nil
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, AttributesLine+"\n"...)
	mode, err := atomicfile.KeepMode(path, 0o644)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(path, data, mode); err != nil {
		return nil, err
	}
	return res, nil
}
