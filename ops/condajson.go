package ops

import (
	"errors"
	"fmt"
	"path"
	"runtime"
	"strings"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/resolver"
)

// conda's --json shapes, so that a Go program can print what conda (and
// envseal --json) print. The values are maps ready for encoding/json,
// which sorts their keys.

// DistJSON is a record in the shape of conda's LINK actions and `conda
// list --json`; base "" is taken from the record's URL.
func DistJSON(r *conda.Record, base string) map[string]any {
	if base == "" {
		if i := strings.LastIndex(r.URL, "/"+r.Subdir+"/"); i >= 0 {
			base = r.URL[:i]
		}
	}
	return map[string]any{
		"base_url":     base,
		"build_number": r.BuildNumber,
		"build_string": r.Build,
		"channel":      r.Channel,
		"dist_name":    r.DistName(),
		"name":         r.Name,
		"platform":     r.Subdir,
		"version":      r.Version.String(),
	}
}

// CondaJSON is the plan in conda's create/install --json shape, linking
// recs (the plan's records, or only those a change links), plus the
// platform and the virtual packages the solve assumed (not in conda's
// shape).
func (p *Plan) CondaJSON(recs []*conda.Record, dryRun bool) map[string]any {
	link := make([]map[string]any, 0, len(recs))
	fetch := make([]map[string]any, 0, len(recs))
	for _, r := range recs {
		base := ""
		if ch, ok := p.Channel(r.Channel); ok {
			base = ch.BaseURL()
		}
		link = append(link, DistJSON(r, base))
		fetch = append(fetch, SearchRecordJSON(r, p.Channel))
	}
	actions := map[string]any{"LINK": link, "FETCH": fetch}
	if p.Prefix != "" {
		actions["PREFIX"] = p.Prefix
	}
	out := map[string]any{"success": true, "dry_run": dryRun, "actions": actions}
	if p.Prefix != "" {
		out["prefix"] = p.Prefix
	}
	vps := make([]map[string]any, 0, len(p.Virtual))
	for _, v := range p.Virtual {
		vps = append(vps, map[string]any{"name": v.Name, "version": v.Version, "build": v.Build, "defaulted": v.Defaulted})
	}
	out["platform"] = string(p.Platform)
	out["virtual_packages"] = vps
	return out
}

// CondaJSON is the result in conda search --json's shape: name -> records.
func (r *SearchResult) CondaJSON() map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for _, rec := range r.Records {
		out[rec.Name] = append(out[rec.Name], SearchRecordJSON(rec, r.Channel))
	}
	return out
}

// SearchRecordJSON renders a record the way conda search --json does: the
// repodata fields plus channel (the credential-free subdir URL, found
// with channel), fn and url.
func SearchRecordJSON(r *conda.Record, channel func(string) (conda.Channel, bool)) map[string]any {
	m := map[string]any{
		"name":         r.Name,
		"version":      r.Version.String(),
		"build":        r.Build,
		"build_number": r.BuildNumber,
		"depends":      nonNil(r.Depends),
		"constrains":   nonNil(r.Constrains),
		"subdir":       r.Subdir,
		"fn":           r.Fn,
		"url":          r.URL,
		"md5":          r.MD5,
		"sha256":       r.SHA256,
		"size":         r.Size,
		"timestamp":    r.Timestamp,
		"channel":      recordChannelURL(r, channel),
	}
	for k, v := range map[string]string{"arch": r.Arch, "platform": r.Platform, "license": r.License,
		"license_family": r.LicenseFamily, "noarch": r.Noarch, "features": r.Features, "track_features": strings.Join(r.TrackFeatures, ",")} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// recordChannelURL is the credential-free URL of the record's channel
// subdir, as conda prints in "channel".
func recordChannelURL(r *conda.Record, channel func(string) (conda.Channel, bool)) string {
	if ch, ok := channel(r.Channel); ok {
		return ch.SubdirURL(conda.Platform(r.Subdir))
	}
	if r.URL != "" {
		return path.Dir(r.URL)
	}
	return r.Channel
}

// ErrorJSON is a failure in conda's JSON error shape, named as conda names
// its exceptions (UnsatisfiableError, PackagesNotFoundError,
// ArgumentError, else CondaError).
func ErrorJSON(err error) map[string]any {
	name := "CondaError"
	var nf *PackagesNotFoundError
	var rnf *resolver.PackagesNotFoundError
	var unsat *resolver.UnsolvableError
	var ue *UsageError
	switch {
	case errors.As(err, &unsat):
		name = "UnsatisfiableError"
	case errors.As(err, &nf), errors.As(err, &rnf):
		name = "PackagesNotFoundError"
	case errors.As(err, &ue):
		name = "ArgumentError"
	}
	return map[string]any{"success": false, "error": name + ": " + err.Error(), "exception_name": name, "message": err.Error()}
}

// Explicit is the environment in conda's @EXPLICIT format: one package
// URL a line (with #md5 or #sha256:… when asked), in name order.
func (r *ListResult) Explicit(md5, sha bool) []byte {
	var b strings.Builder
	platform := ""
	for _, rec := range r.Installed.Records {
		if rec.Subdir != "" && rec.Subdir != "noarch" {
			platform = rec.Subdir
			break
		}
	}
	b.WriteString("# This file may be used to create an environment using:\n")
	b.WriteString("# $ envseal create --name <env> --file <this file>   (or: conda create --name <env> --file <this file>)\n")
	if platform != "" {
		fmt.Fprintf(&b, "# platform: %s\n", platform)
	}
	b.WriteString("@EXPLICIT\n")
	for _, rec := range r.Installed.Records { // sorted by name, as ReadPrefix returns them
		line := rec.URL
		switch {
		case sha && rec.SHA256 != "":
			line += "#sha256:" + rec.SHA256
		case md5 && rec.MD5 != "":
			line += "#" + rec.MD5
		}
		b.WriteString(line + "\n")
	}
	return []byte(b.String())
}

// CondaJSON is the information in the shape of conda info --json where
// the keys exist there, plus envseal's own (virtual packages that were
// defaults for a foreign platform, where each setting came from).
func (r *InfoResult) CondaJSON(version string) map[string]any {
	virtual := make([][]string, len(r.Virtual))
	var defaulted []string
	for i, v := range r.Virtual {
		virtual[i] = []string{v.Name, v.Version, v.Build}
		if v.Defaulted {
			defaulted = append(defaulted, v.Name)
		}
	}
	return map[string]any{
		"envseal_version":        version,
		"platform":               string(r.Platform),
		"host_platform":          string(conda.HostPlatform()),
		"virtual_pkgs":           virtual,
		"virtual_pkgs_defaulted": nonNil(defaulted),
		"root_prefix":            r.Config.Root,
		"pkgs_dirs":              r.Config.PkgsDirs,
		"envs_dirs":              r.Config.EnvsDirs,
		"channels":               r.ChannelURLs,
		"channel_priority":       r.Config.ChannelPriority,
		"config_files":           nonNil(r.Config.Files),
		"config_sources":         r.Sources,
		"go_version":             runtime.Version(),
	}
}

// CondaJSON is what clean removed, as conda clean --json reports it.
func (r *CleanResult) CondaJSON(dryRun bool) map[string]any {
	out := map[string]any{"success": true, "dry_run": dryRun}
	for key, rep := range map[string]*CleanReport{"tarballs": r.Tarballs, "packages": r.Packages} {
		if rep != nil {
			out[key] = map[string]any{"paths": nonNil(rep.Paths), "bytes": rep.Bytes}
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CondaJSON is `conda list --json`: one record a package.
func (r *ListResult) CondaJSON() []map[string]any {
	out := make([]map[string]any, 0, len(r.Installed.Records))
	for _, rec := range r.Installed.Records {
		out = append(out, DistJSON(&rec.Record, ""))
	}
	return out
}

// CondaJSON is `conda env list --json`.
func (r *EnvsResult) CondaJSON() map[string]any {
	return map[string]any{"envs": nonNil(r.Envs)}
}

// CondaJSON is what conda create --json prints: the plan's LINK actions,
// or, for an environment created from a lock, the lock's records.
func (r *CreateResult) CondaJSON() map[string]any {
	if r.Plan != nil {
		return r.Plan.CondaJSON(r.Plan.Records, r.DryRun)
	}
	link := make([]map[string]any, 0, len(r.Locked))
	for _, rec := range r.Locked {
		link = append(link, DistJSON(rec, ""))
	}
	return map[string]any{"success": true, "dry_run": r.DryRun, "prefix": r.Prefix,
		"actions": map[string]any{"LINK": link, "PREFIX": r.Prefix}}
}

// CondaJSON is what conda install and update --json print.
func (r *InstallResult) CondaJSON() map[string]any {
	if r.UpToDate {
		return map[string]any{"success": true, "message": "All requested packages already installed."}
	}
	return r.Plan.CondaJSON(r.Change.Link, r.DryRun)
}

// CondaJSON is what conda remove --json prints.
func (r *RemoveResult) CondaJSON() map[string]any {
	switch {
	case r.All && r.DryRun:
		return map[string]any{"success": true, "dry_run": true, "remove": r.Prefix}
	case r.All:
		return map[string]any{"success": true, "removed": r.Prefix}
	}
	return map[string]any{"success": true, "actions": map[string]any{"UNLINK": r.Change.Unlink, "PREFIX": r.Prefix}}
}

// JSON is the graph as `envseal tree --json` prints it: the source, the
// roots and every package with its dependencies.
func (r *TreeResult) JSON() map[string]any {
	return map[string]any{"source": r.Source, "roots": r.Graph.Roots(), "packages": r.Graph.Nodes()}
}
