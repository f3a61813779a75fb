//go:build !linux

package prefix

import "os/exec"

// runTied runs cmd. Only Linux can tie a child's life to envseal's; on
// other systems recovery retries removing what an orphan still writes.
func runTied(cmd *exec.Cmd) error { return cmd.Run() }
