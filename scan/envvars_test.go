package scan

import (
	"slices"
	"testing"
)

func TestEnvironmentVariables(t *testing.T) {
	tok := fake(alnum, 32, 50)
	hexKey := fake(hexLower, 40, 51)
	head := "name: app\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\nvariables:\n"
	cases := []struct {
		name, file, text string
		want             []string
	}{
		{"secret-named", "environment.yml", head + "  DB_PASSWORD: hunter2hunter\n", []string{"7:secret-variable:DB_PASSWORD"}},
		{"secret-named and random", "environment.yml", head + "  API_KEY: " + tok + "\n", []string{"7:high-entropy-variable:API_KEY", "7:secret-variable:API_KEY"}},
		{"random under a plain name", "env.yaml", head + "  SETTING: " + tok + "\n", []string{"7:high-entropy-variable:SETTING"}},
		{"hex under a plain name", "environment.yml", head + "  X: " + hexKey + "\n", []string{"7:high-entropy-variable:X"}},
		{"camelCase name", "environment.yml", head + "  githubToken: abcdefgh12\n", []string{"7:secret-variable:githubToken"}},
		{"quoted value, later line", "environment.yml", head + "  A: b\n  # comment\n  MY_SECRET: \"s3cr3t-value\"\n", []string{"9:secret-variable:MY_SECRET"}},
		{"block scalar", "environment.yml", head + "  SSH_PASSPHRASE: |\n    correct horse battery\n", []string{"7:secret-variable:SSH_PASSPHRASE"}},
		{"aws key under variables", "environment.yml", head + "  AWS_ACCESS_KEY_ID: AKIA" + fake(upper32, 16, 52) + "\n", []string{"7:aws-access-key-id:AWS_ACCESS_KEY_ID"}},
		// Negatives.
		{"placeholder", "environment.yml", head + "  DB_PASSWORD: ${DB_PASSWORD}\n  API_TOKEN: <your token>\n  TOKEN: \"\"\n", nil},
		{"path to a secret file", "environment.yml", head + "  GOOGLE_APPLICATION_CREDENTIALS: /run/secrets/gcp.json\n  SSH_KEY: ~/.ssh/id\n", nil},
		{"name not ending in a secret word", "environment.yml", head + "  TOKEN_URL: https://auth.example.com/token\n  PASSWORD_MIN_LENGTH: 12\n  KEY_ID: abcd1234\n  SORT_KEY: name\n  PWD: /tmp\n", nil},
		{"booleans and null", "environment.yml", head + "  USE_AUTH: true\n  SECRET: ~\n  PASSWORD: no\n", nil},
		{"ordinary values", "environment.yml", head + "  MY_ENV_VAR: \"My Value\"\n  PYTHONPATH: /opt/lib/python3.11/site-packages\n  VERSION: 1.2.3-rc1+build.20240101\n  CUDA_VISIBLE_DEVICES: 0,1,2,3\n", nil},
		{"long word", "environment.yml", head + "  MODE: production_environment_default\n", nil},
		{"url value", "environment.yml", head + "  INDEX: https://pypi.example.com/simple/abcdefABCDEF0123456789\n", nil},
		{"allowed inline", "environment.yml", head + "  DB_PASSWORD: hunter2hunter  # envseal:allow\n", nil},
		{"not an environment file", "config.yml", "variables:\n  DB_PASSWORD: hunter2hunter\nstages: [build]\n", nil},
		{"variables not at top level", "environment.yml", "name: x\njobs:\n  variables:\n    DB_PASSWORD: hunter2hunter\n", nil},
		{"not yaml", "environment.txt", head + "  DB_PASSWORD: hunter2hunter\n", nil},
		{"broken yaml", "environment.yml", head + "  DB_PASSWORD: [unclosed\n", nil},
		{"flow variables", "environment.yml", "name: x\nvariables: {A: 1}\n", nil},
	}
	s := New(Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := lineRules(s.Scan(tc.file, []byte(tc.text)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "GITHUB_TOKEN": true, "API_KEY": true, "AWS_SECRET_ACCESS_KEY": true,
		"apiKey": true, "client-secret": true, "SENTRY_DSN": true, "SECRET": true, "Passphrase": true,
		"TOKEN_URL": false, "PASSWORD_FILE": false, "KEY": false, "SORT_KEY": false, "KEY_ID": false,
		"AUTHOR": false, "PWD": false, "TOKENIZER": false, "PATH": false, "": false,
	} {
		if got := secretName(name); got != want {
			t.Errorf("secretName(%q) = %v, want %v", name, got, want)
		}
	}
}
