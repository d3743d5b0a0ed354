package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

const cliCanary = "Cli-Canary-Pw-5150"

// runEngineCmd runs one of this file's commands (not yet in the lead's
// table) as a script would: buffers, no terminal, a temp data folder.
func runEngineCmd(t *testing.T, cmd Command, dataDir string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, DataDir: dataDir,
		Getenv: func(k string) string {
			switch k {
			case "MAILSHIFT_PASSWORD":
				return cliCanary
			case "MAILSHIFT_KEYCHAIN":
				return "off"
			}
			return ""
		}}
	err := cmd.Run(context.Background(), env, args)
	if strings.Contains(out.String()+errb.String(), cliCanary) || (err != nil && strings.Contains(err.Error(), cliCanary)) {
		t.Fatalf("%s printed the password", cmd.Name)
	}
	return out.String(), errb.String(), err
}

// test-connection, inventory, pull (twice: the second is a no-change
// delta), verify --offline against a real Dovecot with a self-signed
// certificate pinned; then a damaged store fails verification.
func TestSourceCommandsEndToEnd(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{TLS: true, Separator: ".", Prefix: "INBOX.", Users: map[string]string{"ann": cliCanary}})
	msgs := testenv.SimpleMessages(40, "cli")
	d.Load(t, "ann", "INBOX", msgs)
	d.Load(t, "ann", "Archive/2024", msgs[:15])
	data := t.TempDir()
	imaps := "imaps://" + d.TLSAddr
	starttls := "imap+starttls://" + d.Addr
	pin := d.Cert.SHA256()

	_, _, err := runEngineCmd(t, testConnectionCommand(), data, imaps, "--user", "ann")
	if err == nil || !strings.Contains(err.Error(), "run again with --pin "+pin) {
		t.Fatalf("unpinned self-signed certificate: %v", err)
	}
	out, _, err := runEngineCmd(t, testConnectionCommand(), data, imaps, "--user", "ann", "--pin", pin)
	if err != nil || !strings.Contains(out, "OK: logged in") || !strings.Contains(out, pin) {
		t.Fatalf("test-connection: %v\n%s", err, out)
	}
	out, _, err = runEngineCmd(t, inventoryCommand(), data, starttls, "--user", "ann", "--pin", pin)
	if err != nil || !strings.Contains(out, "INBOX.Archive.2024") || !strings.Contains(out, "total: 55 message(s)") {
		t.Fatalf("inventory: %v\n%s", err, out)
	}
	out, _, err = runEngineCmd(t, pullCommand(), data, imaps, "--user", "ann", "--pin", pin, "--quiet")
	if err != nil || !strings.Contains(out, "55 message(s) stored") {
		t.Fatalf("pull: %v\n%s", err, out)
	}
	out, _, err = runEngineCmd(t, pullCommand(), data, imaps, "--user", "ann", "--pin", pin, "--quiet")
	if err != nil || !strings.Contains(out, ": 0 message(s) stored") {
		t.Fatalf("delta: %v\n%s", err, out)
	}
	out, _, err = runEngineCmd(t, verifyCommand(), data, "--offline")
	if err != nil || !strings.Contains(out, "all 55 messages of 2 folders verified") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	// Damage one byte of the copy the index hands readers: the verdict
	// says so and the exit is non-zero. (A pack may also hold an unindexed
	// copy of the same bytes that another connection stored at once; it is
	// never read, so damaging it proves nothing.)
	damageIndexedByte(t, data)
	out, _, err = runEngineCmd(t, verifyCommand(), data, "--offline")
	if !errors.Is(err, ErrExitStatus) || !strings.Contains(out, "NOT verified") || !strings.Contains(out, "hash mismatch") {
		t.Fatalf("damaged store: %v\n%s", err, out)
	}
}

func TestSourceCommandsRejectBadInput(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		cmd  Command
		args []string
		want string
	}{
		{pullCommand(), []string{"imaps://mail.example.test"}, "give --user"},
		{pullCommand(), []string{"--user", "ann"}, "give the server"},
		{pullCommand(), []string{"imap://mail.example.test", "--user", "ann"}, "unencrypted"},
		{inventoryCommand(), []string{"ftp://mail.example.test", "--user", "ann"}, "unknown scheme"},
		{verifyCommand(), nil, "add --offline"},
	} {
		_, _, err := runEngineCmd(t, tc.cmd, data, tc.args...)
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: %v, want a usage error saying %q", tc.cmd.Name, tc.args, err, tc.want)
		}
	}
	if _, errOut, err := runEngineCmd(t, pullCommand(), data, "--help"); !errors.Is(err, errHelpShown) || !strings.Contains(errOut, "--connections") {
		t.Errorf("--help: %v %s", err, errOut)
	}
}

// damageIndexedByte overwrites the 11th byte of the stored copy that the
// index points at for the first INBOX message of the direct project.
func damageIndexedByte(t *testing.T, data string) {
	t.Helper()
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	boxes, err := db.Boxes(directProject)
	if err != nil || len(boxes) == 0 {
		t.Fatalf("no stored mailbox: %v", err)
	}
	states, err := db.FolderStates(boxes[0])
	if err != nil {
		t.Fatal(err)
	}
	var blob store.Blob
	found := false
	err = db.ForEachMessage(boxes[0], "INBOX", states["INBOX"].UIDValidity, func(m store.MessageRecord) error {
		if !found {
			blob, found = db.HasBlob(m.Hash)
		}
		return nil
	})
	db.Close()
	if err != nil || !found {
		t.Fatalf("no indexed INBOX message: %v", err)
	}
	f, err := os.OpenFile(filepath.Join(data, "packs", fmt.Sprintf("%08x.pack", blob.Pack)), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("#"), int64(blob.Offset)+10); err != nil {
		t.Fatal(err)
	}
}
