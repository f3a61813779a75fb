package prefix

import (
	"bytes"
	"fmt"
	"regexp"
)

// BinaryPrefixError reports a binary-mode file whose placeholder is shorter
// than the new prefix: the C strings cannot be rewritten in place.
type BinaryPrefixError struct {
	// File is the package path of the file (or the prefix path it was
	// being linked to).
	File string
	// Placeholder and Prefix are the two strings whose lengths conflict.
	Placeholder, Prefix string
}

// Error names the file and both lengths.
func (e *BinaryPrefixError) Error() string {
	return fmt.Sprintf("binary file %s: new prefix %q (%d bytes) is longer than the placeholder (%d bytes); use a shorter prefix",
		e.File, e.Prefix, len(e.Prefix), len(e.Placeholder))
}

// maxShebang is the longest shebang line Linux executes (including "#!"
// and the newline); conda uses 127.
const maxShebang = 127

// ReplaceText returns data with every occurrence of placeholder replaced by
// prefix, then, like conda on Unix, a shebang line that became longer than
// 127 bytes (or whose interpreter path contains an escaped space) rewritten
// to `#!/usr/bin/env <interpreter><options>`. data is not modified.
func ReplaceText(data []byte, placeholder, prefix string) []byte {
	out := bytes.ReplaceAll(data, []byte(placeholder), []byte(prefix))
	return replaceLongShebang(out)
}

// shebangRE matches conda's SHEBANG_REGEX on the first line.
var shebangRE = regexp.MustCompile(`\A(#![ ]*(/(?:\\ |[^ \n\r\t])*)([^\n]*))`)

func replaceLongShebang(data []byte) []byte {
	m := shebangRE.FindSubmatchIndex(data)
	if m == nil {
		return data
	}
	whole := data[m[2]:m[3]]
	exe := data[m[4]:m[5]]
	opts := data[m[6]:m[7]]
	i := bytes.LastIndexByte(exe, '/')
	dir, name := exe[:i], exe[i+1:]
	if len(whole) <= maxShebang && !bytes.Contains(dir, []byte(`\ `)) {
		return data
	}
	var b bytes.Buffer
	b.Grow(len(data))
	b.WriteString("#!/usr/bin/env ")
	b.Write(name)
	b.Write(opts)
	b.Write(data[m[3]:])
	return b.Bytes()
}

// ReplaceBinary rewrites, in place, every NUL-terminated C string of data
// that contains placeholder: each occurrence becomes prefix and the string
// is padded with NUL bytes so that the length of data is unchanged (conda's
// binary_replace). It returns a [*BinaryPrefixError] (File left empty for
// the caller to fill) when prefix is longer than placeholder and data holds
// the placeholder, and then leaves data unchanged.
func ReplaceBinary(data []byte, placeholder, prefix string) error {
	ph := []byte(placeholder)
	if len(ph) == 0 || bytes.Index(data, ph) < 0 {
		return nil
	}
	if len(prefix) > len(ph) {
		return &BinaryPrefixError{Placeholder: placeholder, Prefix: prefix}
	}
	pre := []byte(prefix)
	for start := 0; ; {
		i := bytes.Index(data[start:], ph)
		if i < 0 {
			return nil
		}
		i += start
		// The match runs from the placeholder to the next NUL; without a
		// terminating NUL the regexp of conda does not match either.
		n := bytes.IndexByte(data[i:], 0)
		if n < 0 {
			return nil
		}
		end := i + n // index of the NUL
		seg := data[i:end]
		repl := bytes.ReplaceAll(seg, ph, pre)
		copy(data[i:], repl)
		pad := data[i+len(repl) : end]
		clear(pad)
		start = end + 1
	}
}
