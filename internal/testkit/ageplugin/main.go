// Command ageplugin is the toy age plugin of package agetoy as a
// program, for tests that put age-plugin-envsealtest on PATH.
package main

import (
	"os"

	"github.com/envseal/envseal/internal/testkit/agetoy"
)

func main() {
	p, err := agetoy.Plugin()
	if err != nil {
		panic(err)
	}
	os.Exit(p.Main())
}
