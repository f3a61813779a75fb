package dotenv

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Var
		err      string
	}{
		{"plain", "A=1\nB = two words \n", []Var{{"A", "1", 1, 1}, {"B", "two words", 2, 2}}, ""},
		{"comments and export", "# c\n\nexport TOKEN=abc # note\n", []Var{{"TOKEN", "abc", 3, 3}}, ""},
		{"hash inside value", "URL=http://x/#frag\n", []Var{{"URL", "http://x/#frag", 1, 1}}, ""},
		{"single quotes are literal", `K='a\nb #x'` + "\n", []Var{{"K", `a\nb #x`, 1, 1}}, ""},
		{"double quotes escape", `K="a\nb \"q\" \\"` + "\n", []Var{{"K", "a\nb \"q\" \\", 1, 1}}, ""},
		{"multi-line", "K=\"-----BEGIN\nline\n-----END\"\nN=1\n", []Var{{"K", "-----BEGIN\nline\n-----END", 1, 3}, {"N", "1", 4, 4}}, ""},
		{"empty value", "E=\n", []Var{{"E", "", 1, 1}}, ""},
		{"crlf", "A=1\r\nB=2\r\n", []Var{{"A", "1", 1, 1}, {"B", "2", 2, 2}}, ""},
		{"no equals", "A=1\nSECRETVALUE\n", nil, ".env:2: not NAME=VALUE"},
		{"bad name", "1A=x\n", nil, ".env:1: invalid variable name"},
		{"unclosed", "A=\"abc\nB=1\n", nil, ".env:1: quote not closed"},
		{"trailing text", "A='x' y\n", nil, ".env:1: text after the closing quote"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(".env", []byte(tc.in))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	in := "# keep\nA=1\nK=\"x\ny\"\nB=2\n"
	vars, err := Parse(".env", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := string(Remove([]byte(in), []Var{vars[0], vars[1]}))
	if got != "# keep\nB=2\n" {
		t.Errorf("got %q", got)
	}
}

// FuzzParse: parsing never panics, errors never quote the input, and
// removing every variable leaves a file with none.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"A=1\n", "export B='x'\n", "C=\"a\\nb\"\n#c\n", "D=\"\n\"\n", "E", "F='"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vars, err := Parse("f", []byte(in))
		if err != nil {
			if len(in) > 12 && strings.Contains(err.Error(), in) {
				t.Fatalf("error quotes the input: %v", err)
			}
			return
		}
		rest, err := Parse("f", Remove([]byte(in), vars))
		if err != nil {
			t.Fatalf("after Remove: %v", err)
		}
		if len(rest) != 0 {
			t.Fatalf("after Remove: %d variables left", len(rest))
		}
	})
}
