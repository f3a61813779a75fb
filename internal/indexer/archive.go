package indexer

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/envseal/envseal/internal/archive"
)

// ArchiveRecord returns the repodata record of one package archive, as
// [BuildRepodata] writes it: info/index.json without arch and platform,
// plus md5, sha256 and size. subdir "" takes the subdir from index.json
// (an error when it names none); otherwise index.json must agree with it.
// Publishing a single archive (to an OCI registry) starts here.
func ArchiveRecord(ctx context.Context, path, subdir string) (map[string]any, error) {
	if subdir == "" {
		raw, err := archive.ReadIndexJSON(ctx, path)
		if err != nil {
			return nil, err
		}
		var idx struct {
			Subdir string `json:"subdir"`
		}
		if err := json.Unmarshal(raw, &idx); err != nil {
			return nil, fmt.Errorf("%s: parsing info/index.json: %w", path, err)
		}
		if idx.Subdir == "" {
			return nil, fmt.Errorf("%s: info/index.json names no subdir", path)
		}
		subdir = idx.Subdir
	}
	return record(ctx, path, subdir)
}
