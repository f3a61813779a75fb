package secrets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/hkdf"
	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"
)

// # Labels and rotation date
//
// A version 2 section may carry two optional fields that say who and when,
// for review; both are omitted when empty, so a section without them
// marshals as before:
//
//   - labels: a list of {fingerprint, comment}, sorted by fingerprint, one
//     per recipient at most: where a key came from ("alice@laptop
//     (github:alice)"). The fingerprint must be that of a recipient of the
//     section ([Fingerprint]), so a key that changes upstream shows in the
//     diff as a new fingerprint.
//   - rotated: when the data key was last made (by [New], [Opened.Rotate]
//     or [Opened.RemoveRecipient]), RFC 3339 in UTC.
//
// When either is present the MAC of [computeMAC] is extended over them
// ([extendMAC]), so a section without them keeps the MAC it always had, and
// a changed label or date fails like any other tampering. A version 1
// section has neither (in memory they are ignored and not written).

// Label names one recipient of a section.
type Label struct {
	// Fingerprint is [Fingerprint] of the recipient.
	Fingerprint string `yaml:"fingerprint"`
	// Comment says whose key it is and where it came from.
	Comment string `yaml:"comment"`
}

// maxCommentLen bounds a label's comment.
const maxCommentLen = 256

// Fingerprint returns the fingerprint of a recipient's canonical public
// string: OpenSSH's "SHA256:…" for an SSH key, and for any other recipient
// "SHA256:" and the unpadded base64 SHA-256 of its public string.
func Fingerprint(public string) string {
	if typ, b64, ok := strings.Cut(public, " "); ok && strings.HasPrefix(typ, "ssh-") {
		if raw, err := base64.StdEncoding.DecodeString(b64); err == nil {
			if pk, err := ssh.ParsePublicKey(raw); err == nil {
				return ssh.FingerprintSHA256(pk)
			}
		}
	}
	sum := sha256.Sum256([]byte(public))
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// Labels returns the comments of the recipients by fingerprint.
func (s *Section) LabelMap() map[string]string {
	m := make(map[string]string, len(s.Labels))
	for _, l := range s.Labels {
		m[l.Fingerprint] = l.Comment
	}
	return m
}

// RotatedAt returns when the data key was last made, and false for a
// section written before envseal recorded it.
func (s *Section) RotatedAt() (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s.Rotated)
	return t, err == nil && s.Rotated != ""
}

// SetLabel records a comment for the recipient public (a canonical public
// string of the section); an empty comment removes it. It fails for a
// recipient that is not in the section or a comment that is not one line
// of UTF-8 text of at most 256 bytes.
func (o *Opened) SetLabel(public, comment string) error {
	if o.closed {
		return errClosed
	}
	i := sort.SearchStrings(o.recipients, public)
	if i == len(o.recipients) || o.recipients[i] != public {
		return fmt.Errorf("labelling recipient %s: not a recipient of this section", displayRecipient(public))
	}
	if err := checkComment(comment); err != nil {
		return fmt.Errorf("labelling recipient %s: %w", displayRecipient(public), err)
	}
	if o.labels == nil {
		o.labels = map[string]string{}
	}
	if comment == "" {
		delete(o.labels, Fingerprint(public))
	} else {
		o.labels[Fingerprint(public)] = comment
	}
	return nil
}

// Rotated returns when the data key of o was made, if known.
func (o *Opened) Rotated() (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, o.rotated)
	return t, err == nil && o.rotated != ""
}

// markRotated records that the data key was just made.
func (o *Opened) markRotated() { o.rotated = time.Now().UTC().Format(time.RFC3339) }

// sealLabels returns the labels of the current recipients, sorted.
func (o *Opened) sealLabels() []Label {
	if len(o.labels) == 0 {
		return nil
	}
	current := map[string]bool{}
	for _, r := range o.recipients {
		current[Fingerprint(r)] = true
	}
	var out []Label
	for _, fp := range sortedKeys(o.labels) {
		if current[fp] {
			out = append(out, Label{Fingerprint: fp, Comment: o.labels[fp]})
		}
	}
	return out
}

// openLabels copies the section's labels and date into o.
func (o *Opened) openLabels(s *Section) {
	if s.Version == 1 {
		return
	}
	o.rotated = s.Rotated
	if len(s.Labels) > 0 {
		o.labels = s.LabelMap()
	}
}

func checkComment(c string) error {
	if len(c) > maxCommentLen {
		return fmt.Errorf("comment longer than %d bytes", maxCommentLen)
	}
	if !utf8.ValidString(c) || strings.ContainsFunc(c, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return errors.New("comment is not one line of text")
	}
	return nil
}

// macInfoLabels keys the MAC extension over labels and rotated.
const macInfoLabels = "envseal/secrets/v2 labels mac"

// extendMAC returns mac when s has no labels and no date (version 2), and
// otherwise HMAC-SHA256, keyed by HKDF-SHA256(dataKey, macInfoLabels), over
// mac, the date and the labels, each length-prefixed.
func extendMAC(dataKey, mac []byte, version int, labels []Label, rotated string) []byte {
	if version == 1 || len(labels) == 0 && rotated == "" {
		return mac
	}
	key := make([]byte, sha256.Size)
	if _, err := io.ReadFull(hkdf.New(sha256.New, dataKey, nil, []byte(macInfoLabels)), key); err != nil {
		panic("secrets: HKDF failed: " + err.Error())
	}
	defer clear(key)
	h := hmac.New(sha256.New, key)
	writeLP(h, string(mac))
	writeLP(h, rotated)
	writeU64(h, uint64(len(labels)))
	for _, l := range labels {
		writeLP(h, l.Fingerprint)
		writeLP(h, l.Comment)
	}
	return h.Sum(nil)
}

// checkLabels validates the optional fields against the recipients.
func (s *Section) checkLabels() error {
	if s.Version == 1 {
		return nil // ignored: a version 1 section is read, never written
	}
	if s.Rotated != "" {
		t, err := time.Parse(time.RFC3339, s.Rotated)
		if err != nil || t.UTC().Format(time.RFC3339) != s.Rotated {
			return errors.New("rotated: want an RFC 3339 time in UTC (2006-01-02T15:04:05Z)")
		}
	}
	if len(s.Labels) == 0 {
		return nil
	}
	fps := make(map[string]bool, len(s.Recipients))
	for _, r := range s.Recipients {
		fps[Fingerprint(r)] = true
	}
	for i, l := range s.Labels {
		if !fps[l.Fingerprint] {
			return fmt.Errorf("label %d: fingerprint %q is not that of a recipient", i+1, l.Fingerprint)
		}
		if i > 0 && s.Labels[i-1].Fingerprint >= l.Fingerprint {
			return fmt.Errorf("label %d: labels are not sorted by fingerprint or one is repeated", i+1)
		}
		if l.Comment == "" {
			return fmt.Errorf("label %d: empty comment", i+1)
		}
		if err := checkComment(l.Comment); err != nil {
			return fmt.Errorf("label %d: %w", i+1, err)
		}
	}
	return nil
}

// optionalKeys returns those of the optional version 2 fields present in
// a section mapping.
func optionalKeys(node *yaml.Node) []string {
	var out []string
	if node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if k := node.Content[i]; k.Kind == yaml.ScalarNode && (k.Value == "labels" || k.Value == "rotated") {
			out = append(out, k.Value)
		}
	}
	return out
}

// labelsFromNode reads the optional fields found by mapping.
func (s *Section) labelsFromNode(fields map[string]*yaml.Node) error {
	if n, ok := fields["rotated"]; ok {
		v, err := strScalar(n, "rotated")
		if err != nil {
			return err
		}
		if v == "" {
			return fmt.Errorf("line %d: rotated: empty", n.Line)
		}
		s.Rotated = v
	}
	n, ok := fields["labels"]
	if !ok {
		return nil
	}
	items, err := list(n, "labels", maxRecipients)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return fmt.Errorf("line %d: labels: empty list (omit the field)", n.Line)
	}
	for _, item := range items {
		f, err := mapping(item, "label", "fingerprint", "comment")
		if err != nil {
			return err
		}
		var l Label
		if l.Fingerprint, err = strScalar(f["fingerprint"], "label fingerprint"); err != nil {
			return err
		}
		if l.Comment, err = strScalar(f["comment"], "label comment"); err != nil {
			return err
		}
		s.Labels = append(s.Labels, l)
	}
	return nil
}
