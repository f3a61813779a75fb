// Package agetoy is a toy age plugin for envseal's tests, on
// filippo.io/age/plugin: installed as age-plugin-envsealtest it handles
// recipients age1envsealtest1… and identities AGE-PLUGIN-ENVSEALTEST-1…
// whose data is one 32-byte symmetric key, both the recipient's and the
// identity's. It exercises the plugin protocol; it is not a sound
// public-key scheme. internal/testkit/ageplugin is the plugin as a
// program; secrets' tests run their own test binary as it.
package agetoy

import (
	"crypto/rand"
	"errors"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/chacha20poly1305"
)

// Name is the plugin's name: its program is age-plugin-Name.
const Name = "envsealtest"

// Plugin is the plugin, ready for Main (after RegisterFlags when the
// caller parses its own flags).
func Plugin() (*plugin.Plugin, error) {
	p, err := plugin.New(Name)
	if err != nil {
		return nil, err
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) { return newKey(data) })
	p.HandleIdentity(func(data []byte) (age.Identity, error) { return newKey(data) })
	return p, nil
}

// NewPair returns a new random key as a plugin recipient and identity.
func NewPair() (recipient, identity string) {
	key := make([]byte, chacha20poly1305.KeySize)
	rand.Read(key)
	return plugin.EncodeRecipient(Name, key), plugin.EncodeIdentity(Name, key)
}

type key struct{ key []byte }

func newKey(data []byte) (*key, error) {
	if len(data) != chacha20poly1305.KeySize {
		return nil, errors.New("toy key: want 32 bytes")
	}
	return &key{key: data}, nil
}

func (k *key) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return []*age.Stanza{{Type: Name, Args: []string{}, Body: aead.Seal(nonce, nonce, fileKey, nil)}}, nil
}

func (k *key) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, err
	}
	for _, s := range stanzas {
		if s.Type != Name || len(s.Body) < aead.NonceSize() {
			continue
		}
		if fk, err := aead.Open(nil, s.Body[:aead.NonceSize()], s.Body[aead.NonceSize():], nil); err == nil {
			return fk, nil
		}
	}
	return nil, age.ErrIncorrectIdentity
}
