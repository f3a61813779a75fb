package prefix

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Signer signs a Mach-O file in place after [Apply] rewrote a prefix
// placeholder in it: on Apple silicon (osx-arm64) the kernel kills a
// program whose code signature no longer matches its bytes, so conda
// re-signs every binary-mode file it rewrote for osx-arm64. path is an
// absolute path inside the tree being built (a new prefix's temporary
// directory or an existing prefix's staging area), never a file of the
// package cache.
type Signer interface {
	Sign(ctx context.Context, path string) error
}

// CodesignSigner is the [Signer] conda uses: an ad hoc signature by
// `/usr/bin/codesign -s - -f PATH` on macOS. On other systems, which
// cannot run osx-arm64 programs anyway, Sign does nothing.
type CodesignSigner struct{}

// Sign runs codesign on macOS; its error includes codesign's output.
func (CodesignSigner) Sign(ctx context.Context, path string) error {
	if runtime.GOOS != "darwin" {
		return nil
	}
	out, err := exec.CommandContext(ctx, "/usr/bin/codesign", "-s", "-", "-f", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("codesign -s - -f %s: %w: %s", path, err, bytes.TrimSpace(out))
	}
	return nil
}

// signPlatform is the subdir whose rewritten binaries are re-signed. Like
// conda, the package record's subdir decides.
const signPlatform = "osx-arm64"

// isMachO reports whether data starts like a Mach-O file: a thin 32- or
// 64-bit image in either byte order, or a universal (fat) one. Java class
// files share the fat magic 0xcafebabe; their next word is a class file
// version (45 or more), where a fat header holds its small arch count.
func isMachO(data []byte) bool {
	if len(data) < 8 {
		return false
	}
	switch binary.BigEndian.Uint32(data) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
		return true
	case 0xcafebabe, 0xcafebabf:
		n := binary.BigEndian.Uint32(data[4:])
		return n > 0 && n < 45
	}
	return false
}

// toSign is a file the linker rewrote that must be signed once the tree's
// links are checked.
type toSign struct {
	pkg    *stagedPkg
	target string // prefix-relative path
}

// signRewritten signs the rewritten Mach-O files of l in the tree at dir
// and records their new content hashes (a signature changes the file).
// A failed signature is a warning, as codesign failures are for conda:
// the file stays as rewritten.
func (l *linker) signRewritten(ctx context.Context, dir string, signer Signer) error {
	for _, s := range l.toSign {
		full := filepath.Join(dir, filepath.FromSlash(s.target))
		if err := signWritable(ctx, signer, full); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			l.warnings = append(l.warnings, fmt.Sprintf("%s: re-signing %s after rewriting its prefix: %v", s.pkg.rec.DistName(), s.target, err))
			continue
		}
		sum, err := sha256File(full)
		if err != nil {
			return fmt.Errorf("package %s: %w", s.pkg.rec.DistName(), err)
		}
		for i := range s.pkg.out {
			if s.pkg.out[i].Path == s.target {
				s.pkg.out[i].SHA256InPrefix = sum
			}
		}
	}
	return nil
}

// signWritable signs path, making it writable by its owner meanwhile
// (codesign rewrites the file; packages ship some libraries read-only).
func signWritable(ctx context.Context, signer Signer, path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	perm := st.Mode().Perm()
	if perm&0o200 == 0 {
		if err := os.Chmod(path, perm|0o200); err != nil {
			return err
		}
		defer os.Chmod(path, perm)
	}
	return signer.Sign(ctx, path)
}
