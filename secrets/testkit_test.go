package secrets

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age/armor"

	"github.com/envseal/envseal/internal/testkit"
)

// testkitDir holds a copy of the C2SP/CCTV age test vectors (see
// testdata/SOURCES.md), so that the test runs on a fresh clone.
const testkitDir = "testdata/age-testkit"

type ageVector struct {
	name        string
	expect      string
	payloadHash []byte
	identities  []Identity
	armored     bool
	file        []byte
}

// parseAgeVector reads the testkit format: "key: value" header lines, a blank
// line, then the age file (zlib-compressed if "compressed: zlib").
func parseAgeVector(t *testing.T, name string, data []byte) *ageVector {
	t.Helper()
	v := &ageVector{name: name}
	var compressed bool
	rest := data
	for {
		line, after, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			t.Fatalf("%s: no blank line before the age file", name)
		}
		rest = after
		if len(line) == 0 {
			break
		}
		key, value, _ := strings.Cut(string(line), ": ")
		switch key {
		case "expect":
			v.expect = value
		case "payload":
			h, err := hex.DecodeString(value)
			if err != nil {
				t.Fatalf("%s: payload: %v", name, err)
			}
			v.payloadHash = h
		case "identity":
			// Through our own identity parser.
			ids, err := ParseIdentities(strings.NewReader(value + "\n"))
			if err != nil {
				t.Fatalf("%s: identity: %v", name, err)
			}
			v.identities = append(v.identities, ids...)
		case "passphrase":
			id, err := NewPassphraseIdentity(value, 0)
			if err != nil {
				t.Fatalf("%s: passphrase: %v", name, err)
			}
			v.identities = append(v.identities, id)
		case "armored":
			v.armored = true
		case "compressed":
			if value != "zlib" {
				t.Fatalf("%s: unknown compression %q", name, value)
			}
			compressed = true
		case "file key", "comment":
		default:
			t.Fatalf("%s: unknown header %q", name, key)
		}
	}
	if compressed {
		zr, err := zlib.NewReader(bytes.NewReader(rest))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rest, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	v.file = rest
	return v
}

// TestAgeTestkit runs every age test vector through decryptAgeFile, the
// function that unwraps a section's data key, and checks the result class:
// success gives the payload, "no match" gives ErrNoIdentityMatched and every
// other failure an IntegrityError.
func TestAgeTestkit(t *testing.T) {
	entries, err := os.ReadDir(testkitDir)
	if err != nil {
		t.Fatalf("reading %s: %v", testkitDir, err)
	}
	counts := map[string]int{}
	for _, de := range entries {
		data, err := os.ReadFile(filepath.Join(testkitDir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		v := parseAgeVector(t, de.Name(), data)
		counts[v.expect]++
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			var src io.Reader = bytes.NewReader(v.file)
			if v.armored {
				src = armor.NewReader(src)
			}
			got, err := decryptAgeFile(src, v.identities, 32<<20)
			var integrity *IntegrityError
			isIntegrity := errors.As(err, &integrity)
			isNoMatch := errors.Is(err, ErrNoIdentityMatched)
			if isIntegrity && isNoMatch {
				t.Fatalf("error is both IntegrityError and no match: %v", err)
			}
			switch v.expect {
			case "success":
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				if h := sha256.Sum256(got); !bytes.Equal(h[:], v.payloadHash) {
					t.Errorf("payload hash %x, want %x", h, v.payloadHash)
				}
			case "no match":
				if !isNoMatch {
					t.Fatalf("want ErrNoIdentityMatched, got %v", err)
				}
				var ni *NoIdentityError
				if !errors.As(err, &ni) {
					t.Errorf("want *NoIdentityError, got %T", err)
				}
			case "HMAC failure":
				if !isIntegrity || integrity.Reason != reasonAgeHeader || !strings.Contains(err.Error(), "bad header MAC") {
					t.Fatalf("want header MAC IntegrityError, got %v", err)
				}
			case "header failure":
				if !isIntegrity || integrity.Reason != reasonAgeHeader {
					t.Fatalf("want header IntegrityError, got %v", err)
				}
			case "payload failure":
				if !isIntegrity || !strings.HasPrefix(integrity.Reason, reasonAgePayload) {
					t.Fatalf("want payload IntegrityError, got %v", err)
				}
			case "armor failure":
				var ae *armor.Error
				if !isIntegrity || !errors.As(err, &ae) {
					t.Fatalf("want IntegrityError wrapping *armor.Error, got %v", err)
				}
			default:
				t.Fatalf("unknown expectation %q", v.expect)
			}
			if err != nil && got != nil {
				t.Errorf("error %v came with %d bytes of output", err, len(got))
			}
		})
	}
	want := map[string]int{"success": 26, "header failure": 62, "armor failure": 22, "payload failure": 19, "no match": 13, "HMAC failure": 1}
	total := 0
	for k, n := range counts {
		total += n
		if want[k] != n {
			t.Errorf("%d vectors expect %q, want %d", n, k, want[k])
		}
	}
	if total != 143 {
		t.Errorf("ran %d vectors, want 143", total)
	}
}

// TestAgeTestkitCorpus checks that the copy in testdata matches the shared
// corpus, when the corpus is present.
// The corpus is $ENVSEAL_CORPUS, else ../shared/corpus beside the repository
// (CI), else /work/shared/corpus (a worktree that is not beside it).
func TestAgeTestkitCorpus(t *testing.T) {
	dir := filepath.Join(testkit.CorpusRoot(), "age-testkit")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("shared corpus not present (%v); testdata/age-testkit is used on its own", err)
	}
	for _, de := range entries {
		want, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(testkitDir, de.Name()))
		if err != nil {
			t.Errorf("%s: missing from testdata: %v", de.Name(), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: testdata copy differs from the corpus", de.Name())
		}
	}
}
