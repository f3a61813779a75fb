package complete

import (
	"slices"
	"testing"
)

func TestNearest(t *testing.T) {
	cands := []string{"create", "install", "update", "remove", "lock", "list", "secrets", "search", "config"}
	for _, tc := range []struct{ word, want string }{
		{"craete", "create"}, {"instal", "install"}, {"lokc", "lock"}, {"serach", "search"},
		{"secret", "secrets"}, {"lst", "list"}, {"xyzzy", ""}, {"c", ""}, {"conf", "config"},
	} {
		if got := Nearest(tc.word, cands); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

func TestCandidates(t *testing.T) {
	root := &Command{
		Flags: []Flag{{Names: []string{"verbose", "v"}}},
		Subs: []*Command{
			{Name: "create", Flags: []Flag{{Names: []string{"name", "n"}, TakesValue: true}, {Names: []string{"dry-run", "d"}}, {Names: []string{"channel", "c"}, TakesValue: true}}},
			{Name: "secrets", Subs: []*Command{
				{Name: "get", Flags: []Flag{{Names: []string{"lock"}, TakesValue: true}}},
				{Name: "set", Flags: []Flag{{Names: []string{"lock"}, TakesValue: true}}},
			}},
			{Name: "__complete", Hidden: true},
		},
	}
	var lockAsked string
	look := Lookups{
		Envs:    func() []string { return []string{"ml", "mlops", "web"} },
		Secrets: func(lock string) []string { lockAsked = lock; return []string{"WANDB_API_KEY", "WEB_TOKEN"} },
	}
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{nil, []string{"create", "secrets"}},
		{[]string{"c"}, []string{"create"}},
		{[]string{"create", "--d"}, []string{"--dry-run"}},
		{[]string{"create", "-"}, []string{"--channel", "--dry-run", "--name", "-c", "-d", "-n"}},
		{[]string{"create", "-n", "ml"}, []string{"ml", "mlops"}},
		{[]string{"create", "-c", ""}, nil},
		{[]string{"create", "-c", "x", "-n", "w"}, []string{"web"}},
		{[]string{"secrets", "get", "W"}, []string{"WANDB_API_KEY", "WEB_TOKEN"}},
		{[]string{"secrets", "set", "--lock", "team.lock", "WA"}, []string{"WANDB_API_KEY"}},
	} {
		if got := Candidates(root, tc.words, look); !slices.Equal(got, tc.want) {
			t.Errorf("Candidates(%q) = %q, want %q", tc.words, got, tc.want)
		}
	}
	if lockAsked != "team.lock" {
		t.Errorf("--lock was not passed to the secret lookup: %q", lockAsked)
	}
}

func TestUnknownCommandMessage(t *testing.T) {
	names := []string{"set", "get", "list", "rm", "recipients"}
	for _, tc := range []struct{ word, want string }{
		{"lsit", "unknown command \"lsit\" for \"envseal secrets\"; did you mean \"list\"?\nrun `envseal secrets --help` for the list"},
		{"frobnicate", "unknown command \"frobnicate\" for \"envseal secrets\"\nrun `envseal secrets --help` for the list"},
		{"recipient", "unknown command \"recipient\" for \"envseal secrets\"; did you mean \"recipients\"?\nrun `envseal secrets --help` for the list"},
	} {
		if got := UnknownCommand("envseal secrets", tc.word, names); got != tc.want {
			t.Errorf("UnknownCommand(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

func TestSuggestFlag(t *testing.T) {
	names := []string{"dry-run", "d", "json", "name", "n", "channel", "c"}
	for _, tc := range []struct{ msg, want string }{
		{"flag provided but not defined: -dry-rn", "flag provided but not defined: -dry-rn; did you mean --dry-run?"},
		{"flag provided but not defined: --jsn", "flag provided but not defined: --jsn; did you mean --json?"},
		{"flag provided but not defined: -nmae", "flag provided but not defined: -nmae; did you mean --name?"},
		{"flag provided but not defined: -zzzzzz", "flag provided but not defined: -zzzzzz"},
		{"invalid value \"x\" for flag -lock-timeout", "invalid value \"x\" for flag -lock-timeout"},
	} {
		if got := SuggestFlag(tc.msg, names); got != tc.want {
			t.Errorf("SuggestFlag(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}
