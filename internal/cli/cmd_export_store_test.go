package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"mailshift/app"
)

type quietSink struct{}

func (quietSink) Update(func(*app.Progress)) {}

// export --project reads the local store: the demo mailbox, pulled by the
// app, is exported to PST and mbox with every stored message.
func TestExportFromTheProjectsLocalStore(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	a, err := app.Open(ctx, data, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, stop, err := a.StartDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.Pull(ctx, p.ID, nil, 2, quietSink{})
	stop()
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	stored, _, _, _, _ := rep.Counts()
	if stored == 0 {
		t.Fatal("the demo pull stored nothing")
	}
	mb := rep.Mailboxes[0]
	stored = 0
	for _, f := range mb.Folders {
		stored += f.Stored
	}
	out := t.TempDir()
	for _, format := range []string{"pst", "mbox"} {
		var stdout, stderr bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, DataDir: data, Getenv: func(string) string { return "" }}
		err := exportCommand().Run(ctx, env, []string{"--format", format, "--out", filepath.Join(out, format), "--project", p.ID, "--mailbox", mb.Mailbox})
		if err != nil {
			t.Fatalf("%s: %v\n%s", format, err, stderr.String())
		}
		want := fmt.Sprintf("exported %d messages", stored)
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("%s: want %q in:\n%s", format, want, stdout.String())
		}
	}
}
