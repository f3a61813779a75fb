package main

import (
	"fmt"
	"io"
	"os"

	"filippo.io/age/plugin"
	"github.com/envseal/envseal/secrets"
	"github.com/urfave/cli/v2"
)

// pluginUI lets age plugins (age-plugin-yubikey, age-plugin-tpm…) show
// messages on stderr and ask for a PIN on the terminal (/dev/tty), even
// when stdin and stdout are redirected.
func pluginUI(c *cli.Context) *secrets.PluginUI {
	var w io.Writer = os.Stderr
	if c != nil && c.App != nil && c.App.ErrWriter != nil {
		w = c.App.ErrWriter
	}
	return plugin.NewTerminalUI(
		func(format string, v ...any) { fmt.Fprintf(w, "envseal: "+format+"\n", v...) },
		func(format string, v ...any) { fmt.Fprintf(w, "envseal: warning: "+format+"\n", v...) },
	)
}
