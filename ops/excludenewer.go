package ops

import (
	"time"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/env"
	"github.com/envseal/envseal/resolver"
)

// excludeNewer resolves the cut-off of a solve: SolveOptions.ExcludeNewer
// (--exclude-newer), else the environment file's exclude_newer, else the
// configuration's; zero for none. A duration is taken before now, the time
// of the operation.
func excludeNewer(o SolveOptions, cfg *config, f *env.File) (time.Time, error) {
	v, where := o.ExcludeNewer, "--exclude-newer"
	if v == "" && f != nil {
		v, where = f.ExcludeNewer, "exclude_newer in the environment file"
	}
	if v == "" && cfg.rc != nil {
		v, where = cfg.rc.ExcludeNewer, "exclude_newer in the configuration"
	}
	if v == "" {
		return time.Time{}, nil
	}
	t, err := conda.ParseExcludeNewer(v, time.Now())
	if err != nil {
		return time.Time{}, usagef("%s: %v", where, err)
	}
	return t, nil
}

// withCutoff hides the records newer than cut from idx (nothing when cut
// is zero) and returns the function that explains a failed solve.
func withCutoff(idx resolver.Index, cut time.Time) (resolver.Index, func(error) error) {
	if cut.IsZero() {
		return idx, func(err error) error { return err }
	}
	ci := resolver.NewCutoffIndex(idx, cut)
	return ci, ci.Explain
}

// relativeSpan is the exclude_newer of the environment file, else of the
// configuration, when it is a duration and no --exclude-newer overrides
// it: such a cut-off is kept from the previous lock (as uv does), so that
// relocking and lock --check do not churn as the clock moves. A duration
// given on the command line is taken from now every time.
func relativeSpan(o SolveOptions, cfg *config, f *env.File) string {
	if o.ExcludeNewer != "" {
		return ""
	}
	var v string
	if f != nil {
		v = f.ExcludeNewer
	}
	if v == "" && cfg.rc != nil {
		v = cfg.rc.ExcludeNewer
	}
	if conda.IsRelativeCutoff(v) {
		return v
	}
	return ""
}
