package lockfile_test

import (
	"fmt"
	"log"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/lockfile"
)

// A solve's records become a lock, which is written canonically, exported
// to conda's @EXPLICIT format, and checked for staleness against new inputs.
func Example() {
	v, _ := conda.ParseVersion("1.3.1")
	records := []*conda.Record{{
		Name: "zlib", Version: v, Build: "hb9d3cd8_2", BuildNumber: 2, Subdir: "linux-64",
		URL: "https://conda.example.com/t/s3cr3t/main/linux-64/zlib-1.3.1-hb9d3cd8_2.conda",
		MD5: "c9f075ab2f33b3bbee9e62d4ad0a6cd8",
	}}
	l := lockfile.FromRecords(map[conda.Platform][]*conda.Record{conda.Linux64: records})
	inputs := lockfile.Inputs{
		Platform: conda.Linux64,
		Specs:    []string{"zlib"},
		Channels: []string{"https://conda.example.com/t/s3cr3t/main"},
	}
	l.SetInputs(inputs)
	creds := l.Redact() // to be sealed as secrets
	fmt.Println(creds)

	explicit, err := lockfile.Encode(l, lockfile.FormatExplicit, lockfile.EncodeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(explicit))

	inputs.Specs = append(inputs.Specs, "python 3.12.*")
	fmt.Println(l.Stale(inputs))
	// Output:
	// map[CHANNEL_CONDA_EXAMPLE_COM_TOKEN:s3cr3t]
	// # This file may be used to create an environment using:
	// # $ conda create --name <env> --file <this file>
	// # platform: linux-64
	// # input_hash: 269b7cbe09d72b83340001d2fddcdea72201d4b46d94e0f11ee9dae163f99e00
	// @EXPLICIT
	// https://conda.example.com/t/${CHANNEL_CONDA_EXAMPLE_COM_TOKEN}/main/linux-64/zlib-1.3.1-hb9d3cd8_2.conda#c9f075ab2f33b3bbee9e62d4ad0a6cd8
	// [linux-64: specs: added ["python 3.12.*"]]
}
