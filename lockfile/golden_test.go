package lockfile

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenFormats are the outputs written for every testdata/golden/*.in.
var goldenFormats = []struct {
	suffix string
	format Format
}{
	{"envseal", FormatEnvseal},
	{"conda-lock", FormatCondaLock},
	{"pixi", FormatPixi},
	{"explicit", FormatExplicit}, // the first platform
	{"pylock", FormatPylock},     // the first platform's pip packages
}

// TestGolden reads each testdata/golden/NAME.in (any format) and writes it
// in every format, comparing with NAME.FORMAT.golden. Each golden file must
// also read back and write to the same bytes (relocking is identical). Run
// with -update to rewrite the golden files.
func TestGolden(t *testing.T) {
	ins, err := filepath.Glob(filepath.Join("testdata", "golden", "*.in"))
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range ins {
		base := strings.TrimSuffix(in, ".in")
		t.Run(filepath.Base(base), func(t *testing.T) {
			t.Parallel()
			l, err := ReadFile(in, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, gf := range goldenFormats {
				opts := EncodeOptions{}
				if gf.format == FormatExplicit || gf.format == FormatPylock {
					plats := l.AllPlatforms()
					if len(plats) == 0 {
						continue
					}
					opts.Platform = plats[0]
				}
				got, err := Encode(l, gf.format, opts)
				if err != nil {
					t.Errorf("%s: %v", gf.suffix, err)
					continue
				}
				golden := base + "." + gf.suffix + ".golden"
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Errorf("%v (run go test -update)", err)
					continue
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s:\n%s", gf.suffix, golden, firstDiff(got, want))
				}
				again, err := Encode(l, gf.format, opts)
				if err != nil || !bytes.Equal(again, got) {
					t.Errorf("%s: a second encoding differs (%v)", gf.suffix, err)
				}
				if gf.format == FormatPylock {
					// pylock.toml holds the pip part only: its
					// requires-python comes from the conda python, which
					// does not read back (TestPylockLockRoundTrip covers
					// the pip part).
					continue
				}
				l2, err := ReadFile(golden, DecodeOptions{Format: gf.format})
				if err != nil {
					t.Errorf("reading back: %v", err)
					continue
				}
				relock, err := Encode(l2, gf.format, opts)
				if err != nil {
					t.Errorf("%s: re-encoding: %v", gf.suffix, err)
					continue
				}
				if !bytes.Equal(relock, got) {
					t.Errorf("%s: encode(decode(golden)) differs from golden:\n%s", gf.suffix, firstDiff(relock, got))
				}
			}
		})
	}
}

// firstDiff describes the first differing line of two texts.
func firstDiff(got, want []byte) string {
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n got " + a + "\nwant " + b
		}
	}
	return "(equal)"
}
