package env

import (
	"strings"
	"testing"
)

func TestRemoveVariables(t *testing.T) {
	const file = `# project environment
name: app   # the name
channels:
  - conda-forge
dependencies:
  - python=3.11
variables:   # set on activation
  # where the app listens
  PORT: "8080"
  # the database password
  DB_PASSWORD: hunter2
  CERT: |
    line one

    line three

  API_TOKEN: 'tok'   # from the dashboard
  LAST: x
# trailing comment
platforms: [linux-64]
`
	cases := []struct {
		name    string
		names   []string
		want    string
		removed string
	}{
		{"one in the middle", []string{"DB_PASSWORD"}, strings.Replace(file, "  # the database password\n  DB_PASSWORD: hunter2\n", "", 1), "DB_PASSWORD"},
		{"block scalar keeps the blank line after it", []string{"CERT"}, strings.Replace(file, "  CERT: |\n    line one\n\n    line three\n", "", 1), "CERT"},
		{"with inline comment", []string{"API_TOKEN", "PORT"}, strings.Replace(strings.Replace(file, "  API_TOKEN: 'tok'   # from the dashboard\n", "", 1), "  # where the app listens\n  PORT: \"8080\"\n", "", 1), "PORT,API_TOKEN"},
		{"last one", []string{"LAST"}, strings.Replace(file, "  LAST: x\n", "", 1), "LAST"},
		{"all", nil, strings.Replace(file, file[strings.Index(file, "variables:"):strings.Index(file, "# trailing")], "", 1), "PORT,DB_PASSWORD,CERT,API_TOKEN,LAST"},
		{"all by name", []string{"LAST", "PORT", "DB_PASSWORD", "CERT", "API_TOKEN"}, strings.Replace(file, file[strings.Index(file, "variables:"):strings.Index(file, "# trailing")], "", 1), "PORT,DB_PASSWORD,CERT,API_TOKEN,LAST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, removed, err := RemoveVariables("environment.yml", []byte(file), tc.names)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			if r := strings.Join(removed, ","); r != tc.removed {
				t.Errorf("removed %s, want %s", r, tc.removed)
			}
			f, err := Parse("environment.yml", got)
			if err != nil {
				t.Fatalf("result does not parse: %v", err)
			}
			for _, v := range f.Variables {
				if strings.Contains(tc.removed, v.Name) {
					t.Errorf("%s still there", v.Name)
				}
			}
		})
	}
}

func TestRemoveVariablesLastEntryAtEOFAndCRLF(t *testing.T) {
	in := "name: x\r\nvariables:\r\n  A: 1\r\n  B: 2"
	got, _, err := RemoveVariables("e.yml", []byte(in), []string{"B"})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "name: x\r\nvariables:\r\n  A: 1\r\n" {
		t.Errorf("got %q", got)
	}
}

func TestRemoveVariablesErrors(t *testing.T) {
	for _, tc := range []struct{ in, name, msg string }{
		{"name: x\nvariables:\n  A: 1\n", "B", "no variable B"},
		{"name: x\n", "", "no variables: section"},
		{"name: x\nvariables: {A: 1, B: 2}\n", "A", "flow style"},
		{"name: x\nvariables: [A]\n", "A", "not a mapping"},
		{"- a\n", "", "not an environment file"},
		{"name: [\n", "", "e.yml"},
	} {
		var names []string
		if tc.name != "" {
			names = []string{tc.name}
		}
		_, _, err := RemoveVariables("e.yml", []byte(tc.in), names)
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "e.yml") {
			t.Errorf("%q: error %v, want one with %q and the file name", tc.in, err, tc.msg)
		}
	}
}

func FuzzRemoveVariables(f *testing.F) {
	f.Add([]byte("name: x\nvariables:\n  # c\n  A: 1\n  B: |\n    x\n  C: 'y'\ndependencies: []\n"), "B")
	f.Add([]byte("variables:\n  A: 1\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		var names []string
		if name != "" {
			names = []string{name}
		}
		out, removed, err := RemoveVariables("f.yml", data, names)
		if err != nil {
			return
		}
		if len(out) > len(data) || len(removed) == 0 {
			t.Fatalf("grew or removed nothing: %q -> %q (%v)", data, out, removed)
		}
	})
}
