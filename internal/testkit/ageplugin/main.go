// Command ageplugin is a toy age plugin for envseal's tests, built from
// filippo.io/age/plugin: installed as age-plugin-envsealtest, it handles
// recipients age1envsealtest1… and identities AGE-PLUGIN-ENVSEALTEST-1…
// whose data is one 32-byte symmetric key (a test of the protocol, not a
// sound public-key scheme).
package main

import (
	"crypto/rand"
	"errors"
	"os"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/chacha20poly1305"
)

const name = "envsealtest"

type toyKey struct{ key []byte }

func newToyKey(data []byte) (*toyKey, error) {
	if len(data) != chacha20poly1305.KeySize {
		return nil, errors.New("toy key: want 32 bytes")
	}
	return &toyKey{key: data}, nil
}

func (k *toyKey) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return []*age.Stanza{{Type: name, Args: []string{}, Body: aead.Seal(nonce, nonce, fileKey, nil)}}, nil
}

func (k *toyKey) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, err
	}
	for _, s := range stanzas {
		if s.Type != name || len(s.Body) < aead.NonceSize() {
			continue
		}
		if fk, err := aead.Open(nil, s.Body[:aead.NonceSize()], s.Body[aead.NonceSize():], nil); err == nil {
			return fk, nil
		}
	}
	return nil, age.ErrIncorrectIdentity
}

func main() {
	p, err := plugin.New(name)
	if err != nil {
		panic(err)
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) { return newToyKey(data) })
	p.HandleIdentity(func(data []byte) (age.Identity, error) { return newToyKey(data) })
	os.Exit(p.Main())
}
