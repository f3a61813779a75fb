package pip_test

import (
	"fmt"

	"github.com/envseal/envseal/internal/pip"
)

// The `pip:` entries of an environment file in /home/me/proj become the
// requirements file pip reads; relative paths now mean what they meant
// next to environment.yml.
func ExampleRequirementsFile() {
	text, err := pip.RequirementsFile([]string{
		"--index-url https://${PIP_TOKEN}@pkgs.example.com/simple",
		"--find-links ./wheels",
		"-r requirements.txt",
		"-e ./src/mypkg",
		"requests>=2.31",
		"# a comment",
	}, "/home/me/proj")
	if err != nil {
		panic(err)
	}
	fmt.Print(text)
	// Output:
	// --index-url https://${PIP_TOKEN}@pkgs.example.com/simple
	// --find-links /home/me/proj/wheels
	// -r /home/me/proj/requirements.txt
	// -e /home/me/proj/src/mypkg
	// requests>=2.31
}

// A URL with credentials is turned into a `${VAR}` form for the lock; the
// credentials go into a secret and, at install time, into Options.PipEnv
// as PKGS_TOKEN=..., which pip expands.
func ExampleRedactURL() {
	u, creds, err := pip.RedactURL("https://ci:t0ken@pkgs.example.com/files/pkg-1.0-py3-none-any.whl", "PKGS_TOKEN")
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	fmt.Println(creds)
	// Output:
	// https://${PKGS_TOKEN}@pkgs.example.com/files/pkg-1.0-py3-none-any.whl
	// ci:t0ken
}
