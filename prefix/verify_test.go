package prefix

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envseal/envseal/conda"
)

// longPlaceholder leaves room for any temporary directory's path.
var longPlaceholder = "/opt/envseal-build-placeholder" + strings.Repeat("_placehold", 22)

// verifyPrefix links two small packages (one with a text placeholder, one
// with a binary one) and returns the prefix and the plan.
func verifyPrefix(t *testing.T) (string, *Plan) {
	t.Helper()
	tmp := t.TempDir()
	pkgs := filepath.Join(tmp, "pkgs")
	a := buildPackage(t, pkgs, testPkg{name: "a", version: "1", files: []testFile{
		{path: "bin/a", data: "#!/bin/sh\necho a\n", mode: 0o755},
		{path: "share/a/text.cfg", data: "prefix=" + longPlaceholder + "/x\n", placeholder: longPlaceholder},
		{path: "share/a/link", link: "text.cfg"},
	}})
	b := buildPackage(t, pkgs, testPkg{name: "b", version: "2", files: []testFile{
		{path: "lib/libb.so", data: "ELF\x00" + longPlaceholder + "/lib\x00tail", placeholder: longPlaceholder, fileMode: FileModeBinary},
		{path: "lib/python3.10/site-packages/b/__init__.py", data: "B = 1\n"},
	}})
	plan := &Plan{Link: []Package{a, b}}
	prefix := filepath.Join(tmp, "p")
	if _, err := Apply(context.Background(), prefix, plan, &ApplyOptions{NoSync: true, NoCompile: true, Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	return prefix, plan
}

func mustVerify(t *testing.T, prefix string, opts *VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), prefix, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyFindings(t *testing.T) {
	sp := "lib/python3.10/site-packages"
	tests := []struct {
		name    string
		change  func(t *testing.T, prefix string)
		full    bool
		want    []PackageDrift
		foreign []string
	}{
		{name: "fresh prefix", change: func(*testing.T, string) {}},
		{name: "fresh prefix, every file hashed", change: func(*testing.T, string) {}, full: true},
		{
			name: "same size, one byte changed in place",
			change: func(t *testing.T, p string) {
				write(t, filepath.Join(p, sp, "b/__init__.py"), "B = 2\n")
			},
			want: []PackageDrift{{Name: "b", Dist: "b-2-0", Modified: []ModifiedFile{{Path: sp + "/b/__init__.py", Reason: "sha256"}}, Missing: []string{}}},
		},
		{
			name: "byte changed and mtime put back: only --full sees it",
			change: func(t *testing.T, p string) {
				name := filepath.Join(p, sp, "b/__init__.py")
				st, _ := os.Stat(name)
				write(t, name, "B = 2\n")
				os.Chtimes(name, st.ModTime(), st.ModTime())
			},
			full: true,
			want: []PackageDrift{{Name: "b", Dist: "b-2-0", Modified: []ModifiedFile{{Path: sp + "/b/__init__.py", Reason: "sha256"}}, Missing: []string{}}},
		},
		{
			name: "size differs",
			change: func(t *testing.T, p string) {
				write(t, filepath.Join(p, "bin/a"), "#!/bin/sh\necho changed\n")
			},
			want: []PackageDrift{{Name: "a", Dist: "a-1-0", Modified: []ModifiedFile{{Path: "bin/a", Reason: "size"}}, Missing: []string{}}},
		},
		{
			name: "deleted file and symlink replaced by a file",
			change: func(t *testing.T, p string) {
				os.Remove(filepath.Join(p, "lib/libb.so"))
				os.Remove(filepath.Join(p, "share/a/link"))
				write(t, filepath.Join(p, "share/a/link"), "x")
			},
			want: []PackageDrift{
				{Name: "a", Dist: "a-1-0", Modified: []ModifiedFile{{Path: "share/a/link", Reason: "type"}}, Missing: []string{}},
				{Name: "b", Dist: "b-2-0", Modified: []ModifiedFile{}, Missing: []string{"lib/libb.so"}},
			},
		},
		{
			name: "foreign files; pip's RECORD and byte code of owned sources are not foreign",
			change: func(t *testing.T, p string) {
				write(t, filepath.Join(p, "bin/stray"), "x")
				write(t, filepath.Join(p, sp, "stray.py"), "x")
				write(t, filepath.Join(p, sp, "b/__pycache__/__init__.cpython-310.pyc"), "pyc")
				write(t, filepath.Join(p, sp, "c/__pycache__/__init__.cpython-310.pyc"), "pyc")
				write(t, filepath.Join(p, sp, "w/__init__.py"), "")
				write(t, filepath.Join(p, "bin/wtool"), "")
				write(t, filepath.Join(p, sp, "w-1.0.dist-info/RECORD"),
					"w/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n../../../bin/wtool,,\nw-1.0.dist-info/RECORD,,\n../../../../outside,,\n")
			},
			foreign: []string{"bin/stray", sp + "/c/__pycache__/__init__.cpython-310.pyc", sp + "/stray.py"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix, _ := verifyPrefix(t)
			time.Sleep(10 * time.Millisecond) // a coarse clock still moves the mtime
			tc.change(t, prefix)
			rep := mustVerify(t, prefix, &VerifyOptions{Full: tc.full})
			want := tc.want
			if want == nil {
				want = []PackageDrift{}
			}
			foreign := tc.foreign
			if foreign == nil {
				foreign = []string{}
			}
			if g, w := js(rep.Packages), js(want); g != w {
				t.Errorf("packages:\n got %s\nwant %s", g, w)
			}
			if !slices.Equal(rep.Foreign, foreign) {
				t.Errorf("foreign: got %v, want %v", rep.Foreign, foreign)
			}
			if clean := len(want) == 0 && len(foreign) == 0; rep.Clean != clean {
				t.Errorf("clean %v, want %v", rep.Clean, clean)
			}
			if tc.full && rep.Stats.Skipped != 0 {
				t.Errorf("--full skipped %d files", rep.Stats.Skipped)
			}
		})
	}
}

func write(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	// Write in place when the file exists: through a hard link, as an
	// editor that does not replace files would.
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestVerifyStatShortcut checks that untouched files are skipped, that
// placeholder files are checked against sha256_in_prefix, and that a
// record written before envseal kept mtimes is hashed.
func TestVerifyStatShortcut(t *testing.T) {
	prefix, _ := verifyPrefix(t)
	rep := mustVerify(t, prefix, nil)
	if rep.Stats.Hashed != 0 || rep.Stats.Skipped != rep.Stats.Files-rep.Stats.Unchecked || !rep.Clean {
		t.Errorf("fresh prefix: %+v", rep.Stats)
	}
	pd, err := ReadPrefix(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	placeholders := 0
	for _, r := range pd.Records {
		for i := range r.PathsData {
			e := &r.PathsData[i]
			if e.PrefixPlaceholder != "" {
				placeholders++
				if e.SHA256InPrefix == e.SHA256 {
					t.Errorf("%s: placeholder not rewritten?", e.Path)
				}
			}
			e.LinkedMtime, e.LinkedSize = 0, 0 // as an older envseal or conda wrote it
		}
		if err := writeMetaRecord(filepath.Join(prefix, "conda-meta"), r, true); err != nil {
			t.Fatal(err)
		}
	}
	if placeholders != 2 {
		t.Fatalf("%d placeholder files, want 2", placeholders)
	}
	rep = mustVerify(t, prefix, nil)
	if !rep.Clean || rep.Stats.Skipped != 0 || rep.Stats.Hashed != 4 {
		t.Errorf("old records: clean %v stats %+v (want 4 files hashed: the placeholder ones by sha256_in_prefix)", rep.Clean, rep.Stats)
	}
}

func TestVerifyLock(t *testing.T) {
	prefix, plan := verifyPrefix(t)
	a := *plan.Link[0].Record
	b := *plan.Link[1].Record
	b.Build, b.BuildNumber = "1", 1
	v3, _ := conda.ParseVersion("3")
	v235, _ := conda.ParseVersion("2.35")
	c := conda.Record{Name: "c", Version: v3, Build: "0"}
	virtual := conda.Record{Name: "__glibc", Version: v235, Build: "0"}
	rep := mustVerify(t, prefix, &VerifyOptions{Locked: []*conda.Record{&b, &c, &virtual}})
	want := []PackageDrift{
		{Name: "a", Dist: "a-1-0", Modified: []ModifiedFile{}, Missing: []string{}, Lock: LockExtra},
		{Name: "b", Dist: "b-2-0", Modified: []ModifiedFile{}, Missing: []string{}, Lock: LockOtherBuild, Locked: "b-2-1"},
		{Name: "c", Modified: []ModifiedFile{}, Missing: []string{}, Lock: LockMissing, Locked: "c-3-0"},
	}
	if g, w := js(rep.Packages), js(want); g != w {
		t.Errorf("lock drift:\n got %s\nwant %s", g, w)
	}
	if !rep.LockChecked || rep.Clean || len(rep.Damaged()) != 0 {
		t.Errorf("report: %+v", rep)
	}
	// The same records: clean.
	b0 := *plan.Link[1].Record
	if rep := mustVerify(t, prefix, &VerifyOptions{Locked: []*conda.Record{&a, &b0}}); !rep.Clean {
		t.Errorf("lock of the installed records: %+v", rep.Packages)
	}
}

// fakeSource hands out the plan's packages; again re-creates a damaged
// extraction from a pristine copy.
type fakeSource struct {
	pkgs     map[string]Package
	pristine map[string]string
	agains   []string
}

func (s *fakeSource) Packages(_ context.Context, recs []*conda.Record, again bool) ([]Package, error) {
	var out []Package
	for _, r := range recs {
		p := s.pkgs[r.Name]
		if again {
			s.agains = append(s.agains, r.Name)
			os.RemoveAll(p.Dir)
			if err := os.CopyFS(p.Dir, os.DirFS(s.pristine[r.Name])); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func TestRepair(t *testing.T) {
	prefix, plan := verifyPrefix(t)
	src := &fakeSource{pkgs: map[string]Package{}, pristine: map[string]string{}}
	for _, p := range plan.Link {
		src.pkgs[p.Record.Name] = p
		copyDir := p.Dir + ".pristine"
		if err := os.CopyFS(copyDir, os.DirFS(p.Dir)); err != nil {
			t.Fatal(err)
		}
		src.pristine[p.Record.Name] = copyDir
	}
	sp := "lib/python3.10/site-packages"
	time.Sleep(10 * time.Millisecond)
	write(t, filepath.Join(prefix, sp, "b/__init__.py"), "B = 2\n") // through the hard link: the extraction too
	os.Remove(filepath.Join(prefix, "bin/a"))
	write(t, filepath.Join(prefix, sp, "stray.py"), "x")
	rep := mustVerify(t, prefix, nil)
	if len(rep.Damaged()) != 2 || len(rep.Foreign) != 1 {
		t.Fatalf("damage not seen: %+v", rep)
	}
	res, err := Repair(context.Background(), prefix, rep, src, &RepairOptions{Apply: &ApplyOptions{NoSync: true, NoCompile: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Relinked, []string{"a-1-0", "b-2-0"}) || !slices.Equal(res.Reextracted, []string{"b-2-0"}) || !slices.Equal(src.agains, []string{"b"}) {
		t.Errorf("repair: %+v (again %v)", res, src.agains)
	}
	rep = mustVerify(t, prefix, &VerifyOptions{Full: true})
	if len(rep.Packages) != 0 || !slices.Equal(rep.Foreign, []string{sp + "/stray.py"}) {
		t.Errorf("after repair without prune: %+v", rep)
	}
	if _, err := Repair(context.Background(), prefix, rep, src, &RepairOptions{Prune: true, Apply: &ApplyOptions{NoSync: true}}); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, prefix, &VerifyOptions{Full: true}); !rep.Clean {
		t.Errorf("after prune: %+v", rep)
	}
	// The pruned file went through the journal's trash, which is gone.
	if _, err := os.Stat(filepath.Join(prefix, trashDir)); !os.IsNotExist(err) {
		t.Errorf("trash left behind: %v", err)
	}
	pd, _ := ReadPrefix(context.Background(), prefix)
	if !strings.Contains(js(pd.History), "b-2-0") || len(pd.History) != 3 {
		t.Errorf("history does not record the relink: %+v", pd.History)
	}
}

func TestParseRecordPaths(t *testing.T) {
	sp := "lib/python3.11/site-packages"
	data := "w/__init__.py,sha256=abc,10\n\"w/with,comma.py\",,\n../../../bin/w,,\n../../../conda-meta/x.json,,\n../../../../../etc/passwd,,\n/abs/path,,\nw\\\\bad.py,,\n\n"
	got := ParseRecordPaths([]byte(data), sp)
	want := []string{sp + "/w/__init__.py", sp + "/w/with,comma.py", "bin/w"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func FuzzParseRecordPaths(f *testing.F) {
	f.Add([]byte("pkg/__init__.py,sha256=x,1\n../../../bin/tool,,\n"), "lib/python3.10/site-packages")
	f.Add([]byte("\"a\"\"b\",,\n\x00,,"), "lib/python3.12/site-packages")
	f.Fuzz(func(t *testing.T, data []byte, sp string) {
		for _, p := range ParseRecordPaths(data, sp) {
			if err := checkRelPath(p); err != nil {
				t.Fatalf("%q from RECORD: %v", p, err)
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	tmp := b.TempDir()
	pkgs := filepath.Join(tmp, "pkgs")
	var files []testFile
	for i := range 2000 {
		files = append(files, testFile{path: filepath.ToSlash(filepath.Join("lib", "m", string(rune('a'+i%26)), strings.Repeat("x", i%7)+"f"+js(i)+".py")), data: strings.Repeat("data ", 400+i%2000)})
	}
	p := buildPackage(b, pkgs, testPkg{name: "many", version: "1", files: files})
	prefix := filepath.Join(tmp, "p")
	if _, err := Apply(context.Background(), prefix, &Plan{Link: []Package{p}}, &ApplyOptions{NoSync: true, NoCompile: true}); err != nil {
		b.Fatal(err)
	}
	for _, full := range []bool{false, true} {
		name := "stat"
		if full {
			name = "full"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				rep, err := Verify(context.Background(), prefix, &VerifyOptions{Full: full})
				if err != nil || !rep.Clean {
					b.Fatal(err, rep)
				}
			}
			b.ReportMetric(float64(len(files)), "files")
		})
	}
	b.Run("baseline-serial-sha256", func(b *testing.B) {
		buf := make([]byte, 256<<10)
		for b.Loop() {
			for _, f := range files {
				if _, _, err := hashFile(filepath.Join(prefix, filepath.FromSlash(f.path)), buf); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// TestVerifyFilesOnlyRecord checks a record with a files list and no
// paths_data (as very old conda wrote): presence only, links included.
func TestVerifyFilesOnlyRecord(t *testing.T) {
	prefix, _ := verifyPrefix(t)
	pd, err := ReadPrefix(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range pd.Records {
		r.PathsData = nil
		if err := writeMetaRecord(filepath.Join(prefix, "conda-meta"), r, true); err != nil {
			t.Fatal(err)
		}
	}
	rep := mustVerify(t, prefix, &VerifyOptions{Full: true})
	if !rep.Clean || rep.Stats.Hashed != 0 || rep.Stats.Unchecked != rep.Stats.Files {
		t.Fatalf("files-only records: %+v %+v", rep.Packages, rep.Stats)
	}
	os.Remove(filepath.Join(prefix, "share/a/link"))
	rep = mustVerify(t, prefix, nil)
	if p := findDrift(rep, "a"); p == nil || !slices.Equal(p.Missing, []string{"share/a/link"}) {
		t.Errorf("missing link in a files-only record: %+v", rep.Packages)
	}
}

func findDrift(rep *Report, name string) *PackageDrift {
	for i := range rep.Packages {
		if rep.Packages[i].Name == name {
			return &rep.Packages[i]
		}
	}
	return nil
}

// TestVerifyClobber: a path two packages wrote is clean when it matches
// the package that won.
func TestVerifyClobber(t *testing.T) {
	prefix, plan := verifyPrefix(t)
	c := buildPackage(t, filepath.Join(filepath.Dir(plan.Link[0].Dir), "more"), testPkg{name: "c", version: "1", files: []testFile{
		{path: "bin/a", data: "#!/bin/sh\necho c wins\n", mode: 0o755},
	}})
	res, err := Apply(context.Background(), prefix, &Plan{Link: []Package{c}}, &ApplyOptions{NoSync: true, NoCompile: true})
	if err != nil || len(res.Clobbers) != 1 {
		t.Fatalf("clobber: %v %+v", err, res)
	}
	if rep := mustVerify(t, prefix, &VerifyOptions{Full: true}); !rep.Clean {
		t.Errorf("clobbered path: %+v", rep.Packages)
	}
}

// TestVerifyReportGolden pins the JSON shape of a report (the output of
// `envseal verify --json`); -update rewrites testdata/verify-report.golden.
func TestVerifyReportGolden(t *testing.T) {
	prefix, plan := verifyPrefix(t)
	time.Sleep(10 * time.Millisecond)
	write(t, filepath.Join(prefix, "lib/python3.10/site-packages/b/__init__.py"), "B = 2\n")
	os.Remove(filepath.Join(prefix, "bin/a"))
	write(t, filepath.Join(prefix, "bin/stray"), "x")
	b := *plan.Link[1].Record
	b.Build = "1"
	rep := mustVerify(t, prefix, &VerifyOptions{Locked: []*conda.Record{&b}})
	rep.Prefix = "/PREFIX"
	got, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "verify-report.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("report JSON changed (run with -update if intended):\n%s", got)
	}
}

// TestVerifyWaitsForWriter: while another process holds the prefix's
// writer lock (an install under way), Verify waits instead of reporting
// half-done files; when the wait is bounded it fails with ErrLocked, and
// once the writer is done it reports. Two readers do not wait for each
// other.
func TestVerifyWaitsForWriter(t *testing.T) {
	prefix, _ := verifyPrefix(t)
	pp, err := newPrefixPaths(prefix)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pp.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := Verify(ctx, prefix, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("verify under a writer: %v, want ErrLocked", err)
	}
	done := make(chan *Report)
	go func() {
		rep, err := Verify(context.Background(), prefix, nil)
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	select {
	case <-done:
		t.Fatal("verify did not wait for the writer")
	case <-time.After(100 * time.Millisecond):
	}
	if err := w.Unlock(); err != nil {
		t.Fatal(err)
	}
	if rep := <-done; rep == nil || !rep.Clean {
		t.Fatalf("after the writer: %+v", rep)
	}
	r, err := pp.rlock(context.Background())
	if err != nil || r == nil {
		t.Fatalf("shared lock: %v", err)
	}
	defer r.Unlock()
	if rep := mustVerify(t, prefix, nil); !rep.Clean {
		t.Errorf("verify beside another reader: %+v", rep)
	}
}
