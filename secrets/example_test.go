package secrets_test

import (
	"fmt"
	"log"

	"github.com/envseal/envseal/secrets"
)

// A section is created for an environment and its recipients, filled, sealed
// into the lockfile's text form, and later parsed and opened by a recipient.
func Example() {
	alice, err := secrets.GenerateIdentity()
	if err != nil {
		log.Fatal(err)
	}
	o, err := secrets.New("webapp", alice.Recipient())
	if err != nil {
		log.Fatal(err)
	}
	if err := o.Set("API_TOKEN", []byte("tok-123")); err != nil {
		log.Fatal(err)
	}
	sealed, err := o.Seal()
	if err != nil {
		log.Fatal(err)
	}
	o.Close()
	text, err := sealed.Marshal() // goes under `secrets:` in envseal.lock
	if err != nil {
		log.Fatal(err)
	}

	section, err := secrets.ParseSection(text)
	if err != nil {
		log.Fatal(err)
	}
	opened, err := section.Open("webapp", alice)
	if err != nil {
		log.Fatal(err) // errors.Is(err, secrets.ErrNoIdentityMatched), or *secrets.IntegrityError
	}
	defer opened.Close()
	token, _ := opened.Get("API_TOKEN")
	fmt.Println(opened.Names(), string(token))
	// Output: [API_TOKEN] tok-123
}
