package scan_test

import (
	"fmt"
	"strings"

	"github.com/envseal/envseal/scan"
)

// A scanner over one environment file: the password under variables: is
// found by its name, the sealed value wherever it is pasted, and neither
// value appears in the findings.
func ExampleScanner_Scan() {
	sealedValue := strings.Repeat("s3al", 4)
	s := scan.New(scan.Options{
		// The caller opens envseal.lock and hands the values over one at a
		// time; the scanner keeps none of them.
		Sealed: func(yield func(name string, value []byte) bool) {
			yield("API_TOKEN", []byte(sealedValue))
		},
	})
	file := `name: app
dependencies: [python=3.11]
variables:
  DB_PASSWORD: hunter2hunter2
  TOKEN_COPY: ` + sealedValue + `
  LOG_LEVEL: debug
`
	for _, f := range s.Scan("environment.yml", []byte(file)) {
		fmt.Println(f)
	}
	// Output:
	// environment.yml:4: secret-variable (DB_PASSWORD)
	// environment.yml:5: sealed-secret (API_TOKEN)
}
