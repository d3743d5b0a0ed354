package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"mailshift/app"
	"mailshift/internal/testenv"
	"mailshift/store"
	"mailshift/sync"
)

// acmeSourceAndDest starts a source ('/') holding ann's 42 messages (30 in
// INBOX, 12 in Clients/ACME) and an empty destination ('.', INBOX.), and
// creates project acme in a fresh data folder.
func acmeSourceAndDest(t *testing.T, subject string) (src *testenv.Dovecot, data, srcURL, dstURL string) {
	t.Helper()
	users := map[string]string{"ann": mappingPw}
	src = testenv.StartDovecot(t, testenv.DovecotOptions{Separator: "/", Users: users})
	dst := testenv.StartDovecot(t, testenv.DovecotOptions{Separator: ".", Prefix: "INBOX.", Users: users})
	msgs := testenv.SimpleMessages(30, subject)
	src.Load(t, "ann", "INBOX", msgs)
	src.Load(t, "ann", "Clients/ACME", msgs[:12])
	data = t.TempDir()
	if r := runCLI(t, data, nil, "project", "new", "Acme", "--domain", "acme.test", "--profile", "generic"); r.code != 0 {
		t.Fatalf("project new: %+v", r)
	}
	return src, data, "imap://" + src.Addr, "imap://" + dst.Addr
}

// pull, push (twice: the second sends nothing), reconcile with the
// verdict, new mail at the source refused by reconcile (exit 1), delta,
// reconcile clean again, a message over --max-message-mb listed with exit
// 1; the reconciliation is kept for the migration report.
func TestPushDeltaReconcileEndToEnd(t *testing.T) {
	src, data, srcURL, dstURL := acmeSourceAndDest(t, "cli push")
	if out, _, err := runMapping(t, pullCommand(), data, srcURL, "--user", "ann", "--allow-plaintext", "--project", "acme", "--quiet"); err != nil {
		t.Fatalf("pull: %v\n%s", err, out)
	}
	out, _, err := runMapping(t, pushCommand(), data, dstURL, "--user", "ann", "--allow-plaintext", "--project", "acme", "--quiet")
	if err != nil || !strings.Contains(out, "42 message(s) uploaded") || !strings.Contains(out, "INBOX.Clients.ACME") || !strings.Contains(out, ": completed.") {
		t.Fatalf("push: %v\n%s", err, out)
	}
	if out, _, err = runMapping(t, pushCommand(), data, dstURL, "--user", "ann", "--allow-plaintext", "--project", "acme", "--quiet"); err != nil || !strings.Contains(out, "0 message(s) uploaded") {
		t.Fatalf("second push: %v\n%s", err, out)
	}
	reconcile := []string{"--dest", dstURL, "--dest-user", "ann", "--dest-allow-plaintext", "--source", srcURL, "--source-user", "ann", "--source-allow-plaintext", "--project", "acme"}
	if out, _, err = runMapping(t, reconcileCommand(), data, append(reconcile, "--sample", "all")...); err != nil || !strings.Contains(out, "all 42 messages are on the destination; 42 compared byte for byte") {
		t.Fatalf("reconcile: %v\n%s", err, out)
	}
	src.Load(t, "ann", "INBOX", []testenv.Message{{Raw: testenv.SimpleMessage(77, "late")}})
	out, _, err = runMapping(t, reconcileCommand(), data, reconcile...)
	if !errors.Is(err, ErrExitStatus) || !strings.Contains(out, "NOT complete: 42 of 43") || !strings.Contains(out, "arrived-after-pull") {
		t.Fatalf("reconcile with new mail at the source: %v\n%s", err, out)
	}
	delta := []string{"--source", srcURL, "--source-user", "ann", "--source-allow-plaintext", "--dest", dstURL, "--dest-user", "ann", "--dest-allow-plaintext", "--project", "acme", "--quiet"}
	if out, _, err = runMapping(t, deltaCommand(), data, delta...); err != nil || !strings.Contains(out, "1 message(s) stored") || !strings.Contains(out, "1 message(s) uploaded") {
		t.Fatalf("delta: %v\n%s", err, out)
	}
	if out, _, err = runMapping(t, reconcileCommand(), data, reconcile...); err != nil || !strings.Contains(out, "all 43 messages are on the destination") {
		t.Fatalf("reconcile after the delta: %v\n%s", err, out)
	}

	big := append(testenv.SimpleMessage(88, "big"), bytes.Repeat([]byte("x"), 1100<<10)...)
	src.Load(t, "ann", "INBOX", []testenv.Message{{Raw: append(big, "\r\n"...)}})
	out, _, err = runMapping(t, deltaCommand(), data, append(delta, "--connections", "2")...)
	if err != nil {
		t.Fatalf("delta with a big message and no limit: %v\n%s", err, out)
	}
	src.Load(t, "ann", "INBOX", []testenv.Message{{Raw: append(big, "again\r\n"...)}})
	if out, _, err = runMapping(t, pullCommand(), data, srcURL, "--user", "ann", "--allow-plaintext", "--project", "acme", "--quiet"); err != nil {
		t.Fatalf("pull: %v\n%s", err, out)
	}
	out, _, err = runMapping(t, pushCommand(), data, dstURL, "--user", "ann", "--allow-plaintext", "--project", "acme", "--quiet", "--max-message-mb", "1", "--plain-append")
	if !errors.Is(err, ErrExitStatus) || !strings.Contains(out, "over-size-limit") || !strings.Contains(out, "completed with exceptions") {
		t.Fatalf("push over the limit: %v\n%s", err, out)
	}

	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	snaps, err := db.Snapshots("acme", app.SnapshotReconcileDetail)
	if err != nil || len(snaps) != 3 {
		t.Fatalf("%d reconciliations kept: %v", len(snaps), err)
	}
	var last sync.Reconciliation
	if err := json.Unmarshal(snaps[2].Data, &last); err != nil || !last.OK() {
		t.Fatalf("kept reconciliation: %v %+v", err, last.Totals())
	}
	if sum, _ := db.Snapshots("acme", app.SnapshotReconcile); len(sum) != 3 || !strings.Contains(string(sum[2].Data), "all 43 messages") {
		t.Fatalf("report summary not kept: %d", len(sum))
	}
}

// copy on a fresh project pulls and pushes the whole mailbox in one run;
// reconcile finds it all on the destination; a second copy moves nothing.
func TestCopyCommandPullsAndPushesTogether(t *testing.T) {
	_, data, srcURL, dstURL := acmeSourceAndDest(t, "cli copy")
	both := []string{"--source", srcURL, "--source-user", "ann", "--source-allow-plaintext", "--dest", dstURL, "--dest-user", "ann", "--dest-allow-plaintext", "--project", "acme"}
	out, errOut, err := runMapping(t, copyCommand(), data, both...)
	if err != nil || !strings.Contains(out, "42 message(s) stored") || !strings.Contains(out, "42 message(s) uploaded") || !strings.Contains(out, "INBOX.Clients.ACME") {
		t.Fatalf("copy: %v\n%s\n%s", err, out, errOut)
	}
	if out, _, err = runMapping(t, reconcileCommand(), data, append(both, "--sample", "all")...); err != nil || !strings.Contains(out, "all 42 messages are on the destination; 42 compared byte for byte") {
		t.Fatalf("reconcile after the copy: %v\n%s", err, out)
	}
	if out, _, err = runMapping(t, copyCommand(), data, append(both, "--quiet")...); err != nil || !strings.Contains(out, "0 message(s) uploaded") {
		t.Fatalf("second copy: %v\n%s", err, out)
	}
	// A mailbox the command line pulled, not on the project's list, is
	// exported from the store too (it was "no mailbox ann in project acme").
	if out, errOut, err := runMapping(t, exportCommand(), data, "--format", "pst", "--out", t.TempDir(), "--project", "acme", "--mailbox", "ann"); err != nil || !strings.Contains(out, "exported 42 messages") {
		t.Fatalf("export of the copied mailbox: %v\n%s\n%s", err, out, errOut)
	}
}

// A copy whose source refuses the login says so, calls the run NOT
// complete (not "completed") and exits 1; while it logs in, the progress
// line says that, not "0/0 messages" (Dovecot waits about 2 s before
// refusing, past the first second's line).
func TestCopyWithARefusedLoginIsNotComplete(t *testing.T) {
	_, data, srcURL, dstURL := acmeSourceAndDest(t, "cli refused")
	out, errOut, err := runMapping(t, copyCommand(), data, "--source", srcURL, "--source-user", "nobody", "--source-allow-plaintext",
		"--dest", dstURL, "--dest-user", "ann", "--dest-allow-plaintext", "--project", "acme")
	if !errors.Is(err, ErrExitStatus) || !strings.Contains(out, "0 message(s) stored (0.0 MB); nobody: ") || !strings.Contains(out, "did not accept the login name or password") ||
		!strings.Contains(out, "NOT complete: 1 of 1 mailbox(es) stopped before the end; pull again") {
		t.Fatalf("copy with a refused login: %v\n%s", err, out)
	}
	if !strings.Contains(errOut, "logging in and reading the folders (1s)") || strings.Contains(errOut, "0/0") {
		t.Fatalf("progress while logging in:\n%s", errOut)
	}
}

func TestPushCommandsRejectBadInput(t *testing.T) {
	data := t.TempDir()
	if r := runCLI(t, data, nil, "project", "new", "Acme", "--domain", "acme.test"); r.code != 0 {
		t.Fatalf("project new: %+v", r)
	}
	for _, tc := range []struct {
		cmd   Command
		args  []string
		usage bool
		want  string
	}{
		{pushCommand(), []string{"imaps://mail.example.test", "--user", "ann"}, true, "give --project"},
		{pushCommand(), []string{"imaps://mail.example.test", "--user", "ann", "--project", "nope"}, false, "project new"},
		{pushCommand(), []string{"--user", "ann", "--project", "acme"}, true, "give the server"},
		{deltaCommand(), []string{"--source", "imaps://a.test", "--source-user", "ann", "--project", "acme"}, true, "give --dest SERVER"},
		{copyCommand(), []string{"--source", "imaps://a.test", "--source-user", "ann", "--dest", "imaps://b.test", "--dest-user", "ann"}, true, "give --project"},
		{reconcileCommand(), []string{"--dest", "imaps://a.test", "--dest-user", "ann", "--project", "acme", "--sample", "0"}, true, "--sample"},
		{reconcileCommand(), []string{"--dest", "ftp://a.test", "--dest-user", "ann", "--project", "acme"}, true, "--dest"},
	} {
		_, _, err := runMapping(t, tc.cmd, data, tc.args...)
		if err == nil || errors.Is(err, ErrUsage) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: %v, want usage=%v error saying %q", tc.cmd.Name, tc.args, err, tc.usage, tc.want)
		}
	}
	for _, c := range []Command{pushCommand(), deltaCommand(), copyCommand(), reconcileCommand()} {
		if _, errOut, err := runMapping(t, c, data, "--help"); !errors.Is(err, errHelpShown) || !strings.Contains(errOut, "--project") {
			t.Errorf("%s --help: %v %s", c.Name, err, errOut)
		}
	}
}
