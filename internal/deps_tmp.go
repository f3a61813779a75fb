package internal

import (
	_ "filippo.io/age"
	_ "github.com/Masterminds/semver/v3"
	_ "github.com/dsnet/compress/bzip2"
	_ "github.com/gofrs/flock"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/urfave/cli/v2"
	_ "golang.org/x/crypto/chacha20poly1305"
	_ "gopkg.in/yaml.v3"
)
