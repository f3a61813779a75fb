package lockfile

import (
	"reflect"
	"testing"

	"github.com/envseal/envseal/conda"
)

func diffRec(t *testing.T, name, version, build string) *conda.Record {
	t.Helper()
	v, err := conda.ParseVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	return &conda.Record{Name: name, Version: v, Build: build, Subdir: "linux-64",
		URL: "https://conda.anaconda.org/conda-forge/linux-64/" + name + "-" + version + "-" + build + ".conda"}
}

func TestDiff(t *testing.T) {
	const lx, osx = conda.Platform("linux-64"), conda.Platform("osx-arm64")
	old := New()
	old.SetRecords(lx, []*conda.Record{
		diffRec(t, "python", "3.10.16", "h0_0"),
		diffRec(t, "numpy", "1.26.4", "py310_0"),
		diffRec(t, "scipy", "1.14.0", "py310_0"),
		diffRec(t, "zlib", "1.3", "h1_0"),
		diffRec(t, "gone", "1.0", "0"),
	})
	old.SetRecords(osx, []*conda.Record{diffRec(t, "python", "3.10.16", "h0_0")})
	old.PyPI = map[conda.Platform][]*PyPIPackage{lx: {
		{Name: "requests", Version: "2.31.0", URL: "https://files/requests-2.31.0.whl", SHA256: "aa"},
		{Name: "numpy", Version: "2.0.0", URL: "https://files/numpy-2.0.0.whl", SHA256: "bb"},
	}}
	new := New()
	new.SetRecords(lx, []*conda.Record{
		diffRec(t, "python", "3.11.11", "h0_0"),  // upgraded
		diffRec(t, "numpy", "1.26.4", "py311_0"), // rebuilt
		diffRec(t, "scipy", "1.13.1", "py311_0"), // downgraded
		diffRec(t, "zlib", "1.3", "h1_0"),        // unchanged
		diffRec(t, "added", "0.1", "0"),
	})
	new.SetRecords(osx, []*conda.Record{diffRec(t, "python", "3.10.16", "h0_0")})
	new.PyPI = map[conda.Platform][]*PyPIPackage{lx: {
		{Name: "requests", Version: "2.32.3", URL: "https://files/requests-2.32.3.whl", SHA256: "cc"},
		{Name: "numpy", Version: "2.0.0", URL: "https://files/numpy-2.0.0.whl", SHA256: "bb"},
	}}

	got := Diff(old, new)
	want := []PlatformDiff{{Platform: lx, Changes: []Change{
		{Name: "added", Kind: Added, New: "0.1 0"},
		{Name: "gone", Kind: Removed, Old: "1.0 0"},
		{Name: "numpy", Kind: Rebuilt, Old: "1.26.4 py310_0", New: "1.26.4 py311_0"},
		{Name: "python", Kind: Upgraded, Old: "3.10.16 h0_0", New: "3.11.11 h0_0"},
		{Name: "requests", Kind: Upgraded, Old: "2.31.0", New: "2.32.3", PyPI: true},
		{Name: "scipy", Kind: Downgraded, Old: "1.14.0 py310_0", New: "1.13.1 py311_0"},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff =\n%+v\nwant\n%+v", got, want)
	}
	if d := Diff(new, new); len(d) != 0 {
		t.Errorf("a lock differs from itself: %+v", d)
	}
	first := Diff(nil, old)
	if len(first) != 2 || len(first[0].Changes) != 7 || first[0].Changes[0].Kind != Added {
		t.Errorf("Diff(nil, lock) should add everything: %+v", first)
	}
	strs := map[string]string{
		"+ added 0.1 0":                        got[0].Changes[0].String(),
		"- gone 1.0 0":                         got[0].Changes[1].String(),
		"~ python 3.10.16 h0_0 → 3.11.11 h0_0": got[0].Changes[3].String(),
		"~ requests (pypi) 2.31.0 → 2.32.3":    got[0].Changes[4].String(),
	}
	for want, got := range strs {
		if got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
