package ops_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/testkit/channelkit"
	"github.com/envseal/envseal/ops"
)

// exampleChannel writes a local channel of two noarch packages, greet
// (a script) and libgreet (the message it prints), and indexes it.
func exampleChannel(ctx context.Context, dir string) error {
	return channelkit.WriteChannel(ctx, dir, []string{string(conda.HostPlatform())},
		channelkit.Package{Name: "libgreet", Noarch: "generic", Files: []channelkit.File{
			{Path: "share/libgreet/message.txt", Data: "hello from a sealed environment\n"}}},
		channelkit.Package{Name: "greet", Noarch: "generic", Depends: []string{"libgreet >=1"}, Files: []channelkit.File{
			{Path: "bin/greet", Mode: 0o755, Data: "#!/bin/sh\ncat \"$CONDA_PREFIX/share/libgreet/message.txt\"\n"}}},
	)
}

// exampleProject makes a project directory with an environment.yml on a
// local channel, and a Host whose HOME and envseal root are inside it, so
// no configuration of the machine is read.
func exampleProject(ctx context.Context) (dir string, h ops.Host, err error) {
	dir, err = os.MkdirTemp("", "envseal-example-")
	if err != nil {
		return "", h, err
	}
	channel := filepath.Join(dir, "channel")
	if err := exampleChannel(ctx, channel); err != nil {
		return dir, h, err
	}
	yml := "name: demo\nchannels:\n  - " + channel + "\ndependencies:\n  - greet\nvariables:\n  GREETING: hi\n"
	if err := os.WriteFile(filepath.Join(dir, "environment.yml"), []byte(yml), 0o644); err != nil {
		return dir, h, err
	}
	h = ops.Host{
		Environ: []string{"HOME=" + dir, "ENVSEAL_ROOT=" + filepath.Join(dir, "root"), "PATH=/usr/bin:/bin"},
		Version: "example",
	}
	return dir, h, nil
}

// Create builds an environment from an environment.yml. Events (plans,
// warnings) are ignored here: Host.Events is nil.
func ExampleCreate() {
	ctx := context.Background()
	dir, h, err := exampleProject(ctx)
	defer os.RemoveAll(dir)
	if err != nil {
		log.Fatal(err)
	}
	res, err := ops.Create(ctx, ops.CreateOptions{
		Host: h,
		LockedOptions: ops.LockedOptions{SolveOptions: ops.SolveOptions{
			File:   filepath.Join(dir, "environment.yml"),
			Prefix: filepath.Join(dir, "env"),
			// Only the file's channel, not the configured conda-forge.
			ChannelOptions: ops.ChannelOptions{OverrideChannels: true},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res.Plan.Records {
		fmt.Println(r.Name, r.Version, r.Build)
	}
	msg, err := os.ReadFile(filepath.Join(res.Prefix, "share", "libgreet", "message.txt"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(msg))
	// Output:
	// greet 1.0 0
	// libgreet 1.0 0
	// hello from a sealed environment
}

// Lock solves the environment file and writes envseal.lock; with Check it
// says whether the lock still matches its inputs.
func ExampleLock() {
	ctx := context.Background()
	dir, h, err := exampleProject(ctx)
	defer os.RemoveAll(dir)
	if err != nil {
		log.Fatal(err)
	}
	o := ops.LockOptions{
		Host: h,
		SolveOptions: ops.SolveOptions{
			File:           filepath.Join(dir, "environment.yml"),
			ChannelOptions: ops.ChannelOptions{OverrideChannels: true},
		},
		Output: filepath.Join(dir, "envseal.lock"),
	}
	res, err := ops.Lock(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("locked packages:", res.Packages[conda.HostPlatform()])
	o.Check = true
	if res, err = ops.Lock(ctx, o); err != nil {
		log.Fatal(err)
	}
	fmt.Println("up to date:", res.Checked)
	// Output:
	// locked packages: 2
	// up to date: true
}

// Secrets are sealed inside envseal.lock to their recipients' keys and
// opened with an identity; Run hands them to a command's environment.
func ExampleSecretsGet() {
	ctx := context.Background()
	dir, h, err := exampleProject(ctx)
	defer os.RemoveAll(dir)
	if err != nil {
		log.Fatal(err)
	}
	identity := filepath.Join(dir, "identity.txt")
	if _, err := ops.SecretsKeygen(ctx, ops.KeygenOptions{Host: h, Output: identity}); err != nil {
		log.Fatal(err)
	}
	so := ops.SecretsOptions{
		Host:            h,
		Lock:            filepath.Join(dir, "envseal.lock"),
		IdentityOptions: ops.IdentityOptions{IdentityFile: identity},
		Name:            "API_TOKEN",
		Value:           []byte("s3cr3t"),
	}
	if _, err := ops.SecretsSet(ctx, so); err != nil {
		log.Fatal(err)
	}
	list, err := ops.SecretsList(ctx, so)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sealed:", list.Names)
	so.Value = nil
	got, err := ops.SecretsGet(ctx, so)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("opened:", string(got.Value))
	// Output:
	// sealed: [API_TOKEN]
	// opened: s3cr3t
}
