package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailshift/export/mbox"
)

func runExport(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, DataDir: t.TempDir(), Getenv: func(string) string { return "" }}
	err := exportCommand().Run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

// TestExportCommand exports a folder tree of .eml files to mbox and PST
// and checks the output and its report; bad input is refused clearly.
func TestExportCommand(t *testing.T) {
	src := t.TempDir()
	msgs := map[string][]string{
		"Inbox":          {"From: a@x.test\r\nSubject: one\r\n\r\nFrom the start\r\n", "From: b@x.test\r\nSubject: two\r\n\r\nbody\r\n"},
		"Inbox/Projekte": {"From: c@x.test\r\nSubject: drei\r\n\r\nbody three\r\n"},
	}
	for folder, list := range msgs {
		dir := filepath.Join(src, filepath.FromSlash(folder))
		os.MkdirAll(dir, 0o700)
		for i, m := range list {
			os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".eml"), []byte(m), 0o600)
		}
	}
	out := t.TempDir()
	stdout, _, err := runExport(t, "--format", "mbox", "--out", out, "--from-dir", src, "--name", "anna")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "exported 3 messages") || !strings.Contains(stdout, "manifest: ") {
		t.Errorf("report: %s", stdout)
	}
	f, err := os.Open(filepath.Join(out, "anna", "Inbox.mbox"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	mbox.Read(f, nil, func(_ int, m mbox.Message) error { got = append(got, string(m.Data)); return nil })
	f.Close()
	if strings.Join(got, "|") != strings.Join(msgs["Inbox"], "|") {
		t.Errorf("Inbox.mbox holds %q", got)
	}
	if _, _, err := runExport(t, "--format", "pst", "--out", out, "--from-dir", src, "--name", "anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "anna.pst")); err != nil {
		t.Error(err)
	}

	for _, bad := range [][]string{
		{"--format", "zip", "--out", out, "--from-dir", src},
		{"--format", "pst", "--from-dir", src},
		{"--format", "pst", "--out", out},
		{"--format", "pst", "--out", out, "--from-dir", src, "--project", "p"},
	} {
		if _, _, err := runExport(t, bad...); !errors.Is(err, ErrUsage) {
			t.Errorf("%v: err %v, want a usage error", bad, err)
		}
	}
	if _, _, err := runExport(t, "--format", "pst", "--out", out, "--project", "p", "--mailbox", "m"); err == nil || errors.Is(err, ErrUsage) {
		t.Errorf("store export of an unknown project: %v, want a plain failure", err)
	}
	if _, errOut, err := runExport(t, "--help"); !strings.Contains(errOut, "usage: mailshift export") || err == nil {
		t.Errorf("--help: %q %v", errOut, err)
	}
}
