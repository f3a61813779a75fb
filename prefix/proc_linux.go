package prefix

import (
	"os/exec"
	"runtime"
	"syscall"
)

// runTied runs cmd so that it dies with envseal: a child left running
// after envseal is killed (python byte-compiling into a temporary prefix)
// would keep writing into a directory that recovery is removing. The
// parent-death signal is tied to the OS thread that started the child, so
// the thread stays locked until the child has exited.
func runTied(cmd *exec.Cmd) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	return cmd.Run()
}
