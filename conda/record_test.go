package conda

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/envseal/envseal/internal/testkit"
)

func corpusPath(t testing.TB, rel string) string { return testkit.Corpus(t, rel) }

// loadRepodata returns the raw records of a repodata.json ("packages" and
// "packages.conda").
func loadRepodata(t testing.TB, rel string) map[string]json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(corpusPath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var rd struct {
		Packages      map[string]json.RawMessage `json:"packages"`
		PackagesConda map[string]json.RawMessage `json:"packages.conda"`
	}
	if err := json.Unmarshal(data, &rd); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for k, v := range rd.Packages {
		out[k] = v
	}
	for k, v := range rd.PackagesConda {
		out[k] = v
	}
	return out
}

// refRecord is the encoding/json baseline: the same fields, decoded the
// plain way.
type refRecord struct {
	Name                   string          `json:"name"`
	Version                string          `json:"version"`
	Build                  string          `json:"build"`
	BuildNumber            int64           `json:"build_number"`
	Depends                []string        `json:"depends"`
	Constrains             []string        `json:"constrains"`
	TrackFeatures          json.RawMessage `json:"track_features"`
	Features               json.RawMessage `json:"features"`
	Noarch                 json.RawMessage `json:"noarch"`
	Subdir                 string          `json:"subdir"`
	Platform               *string         `json:"platform"`
	Arch                   *string         `json:"arch"`
	Timestamp              float64         `json:"timestamp"`
	MD5                    string          `json:"md5"`
	SHA256                 string          `json:"sha256"`
	Size                   int64           `json:"size"`
	License                string          `json:"license"`
	LicenseFamily          string          `json:"license_family"`
	PythonSitePackagesPath string          `json:"python_site_packages_path"`
	Fn                     string          `json:"fn"`
	URL                    string          `json:"url"`
	Channel                string          `json:"channel"`
}

func TestRecordJSONCorpus(t *testing.T) {
	t.Parallel()
	files := []string{
		"conda-subchannel-demo/linux-64/repodata.json",
		"conda-subchannel-demo/noarch/repodata.json",
		"conda-subchannel-demo/win-64/repodata.json",
		"conda/tests/data/repodata/r_linux-64.json",
		"conda/tests/data/repodata/main_noarch.json",
		"conda/tests/data/conda_format_repo/linux-64/repodata.json",
		"rattler/test-data/channels/pytorch/linux-64/repodata.json",
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			recs := loadRepodata(t, f)
			if len(recs) == 0 {
				t.Fatal("no records")
			}
			for fn, raw := range recs {
				var r Record
				if err := r.UnmarshalJSON(raw); err != nil {
					t.Fatalf("%s: %v", fn, err)
				}
				var ref refRecord
				if err := json.Unmarshal(raw, &ref); err != nil {
					t.Fatal(err)
				}
				if r.Name != ref.Name || r.Version.String() != ref.Version || r.Build != ref.Build ||
					r.BuildNumber != ref.BuildNumber || r.MD5 != ref.MD5 || r.SHA256 != ref.SHA256 ||
					r.Size != ref.Size || r.Subdir != ref.Subdir || r.License != ref.License ||
					!reflect.DeepEqual(nonNil(r.Depends), nonNil(ref.Depends)) ||
					!reflect.DeepEqual(nonNil(r.Constrains), nonNil(ref.Constrains)) {
					t.Fatalf("%s: decoded %+v, encoding/json gives %+v", fn, r, ref)
				}
				if r.DistName()+".conda" != fn && r.DistName()+".tar.bz2" != fn {
					t.Errorf("%s: DistName %q", fn, r.DistName())
				}
				if ref.Timestamp != 0 && r.Timestamp < 1e12 {
					t.Errorf("%s: timestamp %d not in ms", fn, r.Timestamp)
				}
				// re-encode stably: decode(encode(r)) == r, and encode is a fixed point
				enc, err := r.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				if !json.Valid(enc) {
					t.Fatalf("%s: invalid JSON %s", fn, enc)
				}
				var r2 Record
				if err := r2.UnmarshalJSON(enc); err != nil {
					t.Fatalf("%s: re-decode: %v", fn, err)
				}
				enc2, _ := r2.MarshalJSON()
				if !bytes.Equal(enc, enc2) {
					t.Fatalf("%s: unstable encoding\n%s\n%s", fn, enc, enc2)
				}
				if !recordsEqual(&r, &r2) {
					t.Fatalf("%s: round trip changed record\n%+v\n%+v", fn, r, r2)
				}
			}
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func recordsEqual(a, b *Record) bool {
	x, y := *a, *b
	if x.Version.String() != y.Version.String() {
		return false
	}
	x.Version, y.Version = Version{}, Version{}
	x.Depends, y.Depends = nonNil(x.Depends), nonNil(y.Depends)
	x.Constrains, y.Constrains = nonNil(x.Constrains), nonNil(y.Constrains)
	x.TrackFeatures, y.TrackFeatures = nonNil(x.TrackFeatures), nonNil(y.TrackFeatures)
	return reflect.DeepEqual(x, y)
}

func TestRecordJSONGolden(t *testing.T) {
	t.Parallel()
	in := `{
	  "name": "foo", "version": " 1.2.3 ", "build": "py_0", "build_number": 0,
	  "depends": ["python >=3.8", "bar"], "constrains": null,
	  "track_features": "mkl,debug  x", "features": ["a", "b"], "noarch": true,
	  "subdir": "noarch", "platform": null, "arch": null, "timestamp": 1600000000,
	  "md5": "0123", "sha256": "abcd", "size": 42, "license": "MIT",
	  "license_family": null, "python_site_packages_path": "lib/python3.13t/site-packages",
	  "unknown": {"nested": [1, 2.5e3, true, false, null, "s\u00e9\n"]},
	  "fn": "foo-1.2.3-py_0.tar.bz2", "channel": "https://conda.anaconda.org/conda-forge/noarch",
	  "url": "https://conda.anaconda.org/conda-forge/noarch/foo-1.2.3-py_0.tar.bz2", "esc": "\"\\\/\b\f\r\t\ud83d\ude00"
	}`
	var r Record
	if err := r.UnmarshalJSON([]byte(in)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.TrackFeatures, "|"); got != "mkl|debug|x" {
		t.Errorf("track_features = %q", got)
	}
	if r.Noarch != "generic" || r.Features != "a b" || r.Timestamp != 1600000000000 || r.Version.String() != "1.2.3" {
		t.Errorf("noarch %q features %q timestamp %d version %q", r.Noarch, r.Features, r.Timestamp, r.Version)
	}
	got, _ := r.MarshalJSON()
	golden := filepath.Join("testdata", "record", "golden.json")
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got)+"\n" != string(want) {
		t.Errorf("encoding differs from %s:\n got %s\nwant %s", golden, got, want)
	}
}

func TestRecordJSONValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		check func(r *Record) bool
	}{
		{`{"name":"a","version":"1","timestamp":1600000000123}`, func(r *Record) bool { return r.Timestamp == 1600000000123 }},
		{`{"name":"a","version":"1","timestamp":253402300799}`, func(r *Record) bool { return r.Timestamp == 253402300799000 }},
		{`{"name":"a","version":"1","timestamp":253402300800}`, func(r *Record) bool { return r.Timestamp == 253402300800 }},
		{`{"name":"a","version":"1","timestamp":1600000000.5}`, func(r *Record) bool { return r.Timestamp == 1600000000500 }},
		{`{"name":"a","version":"1","noarch":"python"}`, func(r *Record) bool { return r.Noarch == "python" }},
		{`{"name":"a","version":"1","noarch":false}`, func(r *Record) bool { return r.Noarch == "" }},
		{`{"name":"a","version":"1","track_features":["x y","z"]}`, func(r *Record) bool { return strings.Join(r.TrackFeatures, ",") == "x,y,z" }},
		{`{"name":"a","version":"1","track_features":""}`, func(r *Record) bool { return r.TrackFeatures == nil }},
		{`{"name":"a","version":"1","build_number":"7"}`, func(r *Record) bool { return r.BuildNumber == 7 }},
		{`{"name":"a","version":"1","size":1.0e3}`, func(r *Record) bool { return r.Size == 1000 }},
		{`{"name":"a","version":"1","name":"b"}`, func(r *Record) bool { return r.Name == "b" }},
	}
	for _, tc := range tests {
		var r Record
		if err := r.UnmarshalJSON([]byte(tc.in)); err != nil || !tc.check(&r) {
			t.Errorf("%s: %+v, %v", tc.in, r, err)
		}
	}
	for _, bad := range []string{
		``, `null`, `[]`, `{`, `{"name":"a"}`, `{"version":"1"}`, `{"name":"a","version":"1 2"}`,
		`{"name":"a","version":"1",}`, `{"name":"a","version":"1"} x`, `{"name":"a","version":"1","size":"x"}`,
		`{"name":"a","version":"1","size":1.5}`, `{"name":"a","version":"1","depends":"x"}`,
		`{"name":"a","version":"1","x":tru}`, `{"name":"a","version":"1","x":"\q"}`, "{\"name\":\"a\x01\",\"version\":\"1\"}",
	} {
		var r Record
		if err := r.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%q decoded without error: %+v", bad, r)
		} else if !strings.HasPrefix(err.Error(), "decoding record") {
			t.Errorf("%q: error %q lacks context", bad, err)
		}
	}
}

func TestParseFilename(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, name, version, build, ext string }{
		{"zlib-1.2.13-hd590300_5.conda", "zlib", "1.2.13", "hd590300_5", ".conda"},
		{"_license-1.1-py27_1.tar.bz2", "_license", "1.1", "py27_1", ".tar.bz2"},
		{"https://host/ch/linux-64/python-dateutil-2.8.2-pyhd8ed1ab_0.conda", "python-dateutil", "2.8.2", "pyhd8ed1ab_0", ".conda"},
		{`C:\pkgs\x-1-0.tar.bz2`, "x", "1", "0", ".tar.bz2"},
	}
	for _, tc := range tests {
		n, v, b, e, err := ParseFilename(tc.in)
		if err != nil || n != tc.name || v != tc.version || b != tc.build || e != tc.ext {
			t.Errorf("ParseFilename(%q) = %q %q %q %q %v", tc.in, n, v, b, e, err)
		}
	}
	for _, bad := range []string{"zlib-1.2.13.conda", "zlib.conda", "-1-0.conda", "a--0.conda", "a-1-.conda", "a-1-0.zip", "a-1-0"} {
		if _, _, _, _, err := ParseFilename(bad); err == nil || !strings.Contains(err.Error(), fmtQ(bad)) {
			t.Errorf("ParseFilename(%q): err = %v, want error quoting input", bad, err)
		}
	}
}

func FuzzRecordJSON(f *testing.F) {
	f.Add([]byte(`{"name":"a","version":"1.0","build":"0","build_number":1,"depends":["b >=1"],"track_features":"x,y","noarch":true,"timestamp":1600000000}`))
	f.Add([]byte(`{"name":"a\u00e9","version":"1!2+3","features":["f"],"constrains":[],"x":{"y":[1,{"z":null}]},"timestamp":1.5}`))
	if raw, err := os.ReadFile(filepath.Join("testdata", "record", "golden.json")); err == nil {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Record
		if err := r.UnmarshalJSON(data); err != nil {
			return
		}
		enc, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var r2 Record
		if err := r2.UnmarshalJSON(enc); err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if r.Timestamp >= -maxSecondsTimestamp && r.Timestamp <= maxSecondsTimestamp {
			// conda's rule reads small millisecond values (before 1978)
			// back as seconds; no real record has them
			r.Timestamp, r2.Timestamp = 0, 0
			enc, _ = r.MarshalJSON()
			enc2, _ := r2.MarshalJSON()
			if !bytes.Equal(enc, enc2) {
				t.Fatalf("unstable encoding\n%s\n%s", enc, enc2)
			}
		}
		if !recordsEqual(&r, &r2) {
			t.Fatalf("round trip changed record\n%+v\n%+v", r, r2)
		}
		enc2, _ := r2.MarshalJSON()
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable encoding\n%s\n%s", enc, enc2)
		}
	})
}

func benchRecords(b *testing.B) []json.RawMessage {
	recs := loadRepodata(b, "conda-subchannel-demo/linux-64/repodata.json")
	out := make([]json.RawMessage, 0, len(recs))
	for _, v := range recs {
		out = append(out, v)
	}
	return out
}

func BenchmarkRecordUnmarshal(b *testing.B) {
	raws := benchRecords(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var r Record
		if err := r.UnmarshalJSON(raws[i%len(raws)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordUnmarshalEncodingJSON is the baseline: encoding/json into a
// plain struct with the same fields (no version parsing).
func BenchmarkRecordUnmarshalEncodingJSON(b *testing.B) {
	raws := benchRecords(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var r refRecord
		if err := json.Unmarshal(raws[i%len(raws)], &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordMarshal(b *testing.B) {
	raws := benchRecords(b)
	recs := make([]Record, len(raws))
	for i := range raws {
		if err := recs[i].UnmarshalJSON(raws[i]); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		buf = recs[i%len(recs)].AppendJSON(buf[:0])
	}
}
