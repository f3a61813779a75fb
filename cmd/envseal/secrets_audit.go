package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/envseal/envseal/ops"
	"github.com/urfave/cli/v2"
)

func secretsAuditCommand(g *globals, common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "say from git history when each secret last changed and who could open each of its values",
		Description: `Reads the commits of envseal.lock (no identity or plaintext needed). For each
secret: the commit, date and author that set its current value, and for every
value it had, the recipients who could open it. A re-key (recipients rm,
rotate) is taken as sealing the same values again. --max-age DAYS exits 1 when
a secret's value is older, as a CI policy.`,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the audit as JSON"},
			&cli.IntFlag{Name: "max-age", Usage: "fail (exit 1) when a secret's value is older than DAYS"},
		}, common...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 0 {
				return usagef("secrets audit takes no arguments")
			}
			if c.Int("max-age") < 0 {
				return usagef("--max-age wants a number of days")
			}
			res, err := ops.SecretsAudit(c.Context, ops.AuditOptions{SecretsOptions: g.secretsOptions(c), MaxAge: time.Duration(c.Int("max-age")) * 24 * time.Hour})
			var stale *ops.StaleError
			if err != nil && !errors.As(err, &stale) {
				return err
			}
			if c.Bool("json") {
				if res.Secrets == nil {
					res.Secrets = []ops.SecretAudit{}
				}
				enc := json.NewEncoder(g.Out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else {
				for _, s := range res.Secrets {
					fmt.Fprintf(g.Out, "%s\t%s\n", s.Name, describeCommit(s.Changed, s.Pending))
					for _, v := range s.Versions {
						readers := make([]string, len(v.Readers))
						for i, r := range v.Readers {
							readers[i] = ops.ShortRecipient(r)
						}
						fmt.Fprintf(g.Out, "  %s\treadable by %s\n", describeCommit(v.AuditCommit, v.Pending), strings.Join(readers, ", "))
					}
				}
			}
			if stale != nil {
				fmt.Fprintf(g.Err, "envseal: %v\n", stale)
				return &silentError{code: exitError, err: stale}
			}
			return nil
		},
	}
}

// describeCommit is "2026-12-06 abc1234 by Alice" (or uncommitted).
func describeCommit(c ops.AuditCommit, pending bool) string {
	s := "uncommitted"
	if c.Hash != "" {
		h := c.Hash
		if len(h) > 10 {
			h = h[:10]
		}
		s = fmt.Sprintf("%s %s by %s", c.Date.UTC().Format("2006-01-02"), h, c.Author)
	}
	if pending {
		s += " (added as pending)"
	}
	return s
}
