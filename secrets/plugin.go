package secrets

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// # Plugins
//
// Keys that live in hardware or another program reach age through plugins:
// a recipient "age1NAME1…" (age1yubikey1…, age1tpm1…) and an identity
// "AGE-PLUGIN-NAME-1…" are handled by the program age-plugin-NAME found on
// PATH, speaking age's plugin protocol (filippo.io/age/plugin). A section
// stores a plugin recipient by its public string like any other; the
// plugin runs only when a data key is wrapped for it or unwrapped by its
// identity. Plugin recipients are classic (their wrap joins the X25519 and
// SSH recipients'), since age cannot tell whether a plugin is post-quantum.

// PluginUI is how a plugin talks to the user: messages, PIN or passphrase
// requests, confirmations ("touch your YubiKey"). A nil field makes the
// request fail, which is what a library that does not prompt wants; a
// command line gives a terminal UI (plugin.NewTerminalUI).
type PluginUI = plugin.ClientUI

// TerminalPluginUI is the UI of a command line: a plugin's messages and
// warnings go to w as "envseal: …" lines, and its PIN and confirmation
// requests to the terminal (/dev/tty), even when stdin and stdout are
// redirected.
func TerminalPluginUI(w io.Writer) *PluginUI {
	return plugin.NewTerminalUI(
		func(format string, v ...any) { fmt.Fprintf(w, "envseal: "+format+"\n", v...) },
		func(format string, v ...any) { fmt.Fprintf(w, "envseal: warning: "+format+"\n", v...) },
	)
}

// isPluginRecipient reports whether s has the shape "age1NAME1DATA": a
// native X25519 key has one "1" (Bech32 data never holds one), a plugin
// key a second one after its name.
func isPluginRecipient(s string) bool {
	return strings.HasPrefix(s, "age1") && !strings.HasPrefix(s, "age1pq1") && strings.LastIndexByte(s, '1') > len("age1")
}

// parsePluginRecipient returns the plugin recipient s, without running the
// plugin (that happens when it wraps a key).
func parsePluginRecipient(s string, ui *PluginUI) (Recipient, error) {
	if ui == nil {
		ui = &PluginUI{}
	}
	r, err := plugin.NewRecipient(strings.ToLower(s), ui)
	if err != nil {
		return nil, fmt.Errorf("parsing plugin recipient: %w", err)
	}
	if r.String() != s {
		return nil, fmt.Errorf("plugin recipient %s is not in lower case", displayRecipient(s))
	}
	return r, nil
}

// ParsePluginRecipient parses an age plugin recipient ("age1yubikey1…")
// whose plugin talks to the user through ui (nil: no interaction).
// [ParseRecipient] accepts plugin recipients too, with no UI.
func ParsePluginRecipient(s string, ui *PluginUI) (Recipient, error) {
	s = strings.TrimSpace(s)
	if !isPluginRecipient(s) {
		return nil, fmt.Errorf("parsing plugin recipient: want age1NAME1…")
	}
	return parsePluginRecipient(s, ui)
}

// PluginName returns the plugin that handles a recipient ("yubikey" for
// age1yubikey1…), or "" if it is not a plugin recipient.
func PluginName(public string) string {
	if !isPluginRecipient(public) {
		return ""
	}
	name, _, err := plugin.ParseRecipient(public)
	if err != nil {
		return ""
	}
	return name
}

// ParseIdentitiesWithUI is [ParseIdentities] for identity files that may
// also hold plugin identities ("AGE-PLUGIN-YUBIKEY-1…", one a line, as
// age-plugin-yubikey writes them), whose plugins talk to the user through
// ui (nil: no interaction). Errors never contain key material.
func ParseIdentitiesWithUI(r io.Reader, ui *PluginUI) ([]Identity, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxKeyFileSize+1))
	defer clear(data)
	if err != nil {
		return nil, fmt.Errorf("reading identities: %w", err)
	}
	if !bytes.Contains(bytes.ToUpper(data), []byte("AGE-PLUGIN-")) {
		return ParseIdentities(bytes.NewReader(data))
	}
	if ui == nil {
		ui = &PluginUI{}
	}
	var ids []Identity
	var rest bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxKeyFileSize+1)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(strings.ToUpper(line), "AGE-PLUGIN-") {
			rest.WriteString(line)
			rest.WriteByte('\n')
			continue
		}
		id, err := plugin.NewIdentity(line, ui)
		if err != nil {
			return nil, fmt.Errorf("parsing plugin identity at line %d: malformed", n)
		}
		ids = append(ids, id)
	}
	defer clear(rest.Bytes())
	if len(bytes.TrimSpace(stripComments(rest.Bytes()))) > 0 {
		more, err := ParseIdentities(&rest)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	return ids, nil
}

// stripComments drops the lines starting with "#".
func stripComments(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l...)
		}
	}
	return out
}

var _ age.Identity = (*plugin.Identity)(nil)
