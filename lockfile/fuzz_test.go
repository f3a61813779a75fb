package lockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds the small golden inputs and outputs of a format as fuzz
// seeds.
func addSeeds(f *testing.F, format Format, suffix string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"+suffix))
	ins, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.in"))
	for _, in := range ins {
		if data, err := os.ReadFile(in); err == nil && Detect(data) == format {
			files = append(files, in)
		}
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 16<<10 {
			continue // large seeds make every fuzzing run slow
		}
		f.Add(data)
	}
}

// roundTrip checks the parser contract: parsing fails with a nil lock, or
// the lock marshals, the text parses again, and marshals to the same bytes.
func roundTrip(t *testing.T, data []byte, parse func([]byte) (*Lock, error), marshal func(*Lock) ([]byte, error)) {
	l, err := parse(data)
	if err != nil {
		if l != nil {
			t.Fatalf("error %v with a non-nil lock", err)
		}
		return
	}
	out, err := marshal(l)
	if err != nil {
		t.Fatalf("parsed, but does not marshal: %v", err)
	}
	l2, err := parse(out)
	if err != nil {
		t.Fatalf("own output does not parse: %v\n%s", err, out)
	}
	out2, err := marshal(l2)
	if err != nil {
		t.Fatalf("own output parsed, but does not marshal: %v", err)
	}
	if !bytes.Equal(out, out2) {
		t.Fatalf("marshal(parse(marshal(x))) != marshal(x):\n%s\n---\n%s", out, out2)
	}
}

func FuzzDecodeEnvseal(f *testing.F) {
	f.Add([]byte(minimal))
	addSeeds(f, FormatEnvseal, ".envseal.golden")
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data, Parse, Marshal)
	})
}

func FuzzCondaLock(f *testing.F) {
	addSeeds(f, FormatCondaLock, ".conda-lock.golden")
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data, ParseCondaLock, MarshalCondaLock)
	})
}

func FuzzPixiLock(f *testing.F) {
	addSeeds(f, FormatPixi, ".pixi.golden")
	for _, name := range []string{"pixi-v7-missing-platform.yml", "pixi-v7-duplicate-platform-definition.yml"} {
		if data, err := os.ReadFile(filepath.Join("testdata", "fail", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data,
			func(b []byte) (*Lock, error) { return ParsePixi(b, "") },
			func(l *Lock) ([]byte, error) { return MarshalPixi(l, "") })
	})
}

func FuzzExplicit(f *testing.F) {
	addSeeds(f, FormatExplicit, ".explicit.golden")
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data,
			func(b []byte) (*Lock, error) { return ParseExplicit(b, "") },
			func(l *Lock) ([]byte, error) {
				plats := l.AllPlatforms()
				return MarshalExplicit(l, plats[0])
			})
	})
}
