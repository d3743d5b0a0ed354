package sync

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// Killed at each step of a group commit (RELIABILITY.md 1, 2 and 9), on
// one connection so the batches before are known: with the second batch's
// bytes written but not synced, synced but not indexed, or indexed. The
// index holds exactly the batches indexed before the kill, never an entry
// whose bytes are missing (the store's check re-hashes every one), and
// the resumed pull stores each message once. A batch synced but not
// indexed is fetched and stored again (its first bytes stay in their pack,
// unreferenced: up to one group commit of space per crash).
func TestPullKilledAtEachCommitStep(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	d.Load(t, testenv.DefaultUser, "INBOX", testenv.SimpleMessages(40, "steps"))
	src := snapshot(t, d, testenv.DefaultUser)
	for _, c := range []struct {
		step    string
		indexed int // messages in the index after the kill (batches of 7)
	}{{"written", 7}, {"synced", 7}, {"indexed", 14}} {
		t.Run(c.step, func(t *testing.T) {
			dir := t.TempDir()
			if err := runChildDying(t, d, dir, c.step+":2"); err == nil {
				t.Fatal("the child was not killed")
			}
			db, err := store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := db.Check(context.Background(), nil)
			if err != nil || len(res.Problems) > 0 || res.Records != c.indexed {
				t.Fatalf("after the kill at %s: %d records (want %d), problems %+v, %v", c.step, res.Records, c.indexed, res.Problems, err)
			}
			db.Close()
			if err := runChildDying(t, d, dir, ""); err != nil {
				t.Fatalf("the resumed pull: %v", err)
			}
			db, err = store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if n := compareStore(t, db, testenv.DefaultUser, src); n != 40 {
				t.Fatalf("%d messages compared, want 40", n)
			}
			if res, err := db.Check(context.Background(), nil); err != nil || len(res.Problems) > 0 || res.Records != 40 {
				t.Fatalf("after the resumed pull: %d records, problems %+v, %v", res.Records, res.Problems, err)
			}
		})
	}
}

// runChildDying runs a child pull on one connection that kills itself at
// die ("step:n"; "" runs to the end) and returns how it ended.
func runChildDying(t *testing.T, d *testenv.Dovecot, dir, die string) error {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MAILSHIFT_PULL_CHILD="+dir, "MAILSHIFT_CHILD_PORT="+strings.Split(d.Addr, ":")[1],
		"MAILSHIFT_CHILD_USER="+testenv.DefaultUser, "MAILSHIFT_CHILD_PASSWORD="+testenv.DefaultPassword,
		"MAILSHIFT_CHILD_CONNS=1", "MAILSHIFT_CHILD_DIE="+die)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child failed otherwise: %v\n%s", err, out)
	}
	return err
}
