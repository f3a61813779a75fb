//go:build !unix

package prefix

import (
	"errors"
	"io/fs"
	"os"
)

// errNoLinker is returned on platforms without a linker implementation.
var errNoLinker = errors.New("linking packages is only implemented on Unix")

type treeWriter struct{}

func newTreeWriter(string, bool) (*treeWriter, error)              { return nil, errNoLinker }
func (w *treeWriter) Close() error                                 { return nil }
func (w *treeWriter) hardlink(string, string) (bool, error)        { return false, errNoLinker }
func (w *treeWriter) copyFile(string, string) error                { return errNoLinker }
func (w *treeWriter) writeFile(string, []byte, fs.FileMode) error  { return errNoLinker }
func (w *treeWriter) create(string, fs.FileMode) (*os.File, error) { return nil, errNoLinker }
func (w *treeWriter) symlink(string, string) error                 { return errNoLinker }
func (w *treeWriter) mkdir(string) error                           { return errNoLinker }
