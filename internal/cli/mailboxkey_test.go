package cli

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"mailshift/app"
	"mailshift/internal/testenv"
	"mailshift/store"
	"mailshift/sync"
)

// A mailbox whose login ("ann") is not its address ("ann@acme.test") is
// filed under one key, the store.Mailbox ID, whether the GUI's app API or
// the CLI (inventory --project, pull, push, mapping) names it: the
// inventories land in one history, the pull feeds the push, and the
// mapping the CLI shows is the app's.
func TestCLIAndAppKeyAMailboxAlike(t *testing.T) {
	ctx := context.Background()
	users := map[string]string{"ann": mappingPw}
	src := testenv.StartDovecot(t, testenv.DovecotOptions{Separator: "/", Users: users})
	dst := testenv.StartDovecot(t, testenv.DovecotOptions{Separator: ".", Prefix: "INBOX.", Users: users})
	msgs := testenv.SimpleMessages(5, "keyed")
	src.Load(t, "ann", "INBOX", msgs)
	src.Load(t, "ann", "Work", msgs[:2])

	data := t.TempDir()
	a, err := app.Open(ctx, data, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.CreateProject(ctx, app.NewProject{Name: "Acme", Domain: "acme.test", Profile: "generic", Actor: "test",
		Source: plainServer(t, src.Addr), Destination: plainServer(t, dst.Addr)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.UnlockSecrets(ctx, []byte("a long test passphrase"), false); err != nil {
		t.Fatal(err)
	}
	const id = "ann@acme.test"
	if err := a.Store().AddMailboxes(p.ID, []store.NewMailbox{{Mailbox: store.Mailbox{Email: "Ann@Acme.test", SourceLogin: "ann", DestLogin: "ann"},
		SourcePassword: []byte(mappingPw), DestPassword: []byte(mappingPw)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Inventory(ctx, p.ID, id); err != nil {
		t.Fatal(err)
	}
	a.Close()

	srcURL, dstURL := "imap://"+src.Addr, "imap://"+dst.Addr
	for _, args := range [][]string{
		{"inventory", srcURL, "--user", "ann", "--allow-plaintext", "--project", p.ID},
		{"pull", srcURL, "--user", "ann", "--allow-plaintext", "--project", p.ID, "--quiet"},
		{"push", dstURL, "--user", "ann", "--allow-plaintext", "--project", p.ID, "--quiet"},
	} {
		cmd := map[string]Command{"inventory": inventoryCommand(), "pull": pullCommand(), "push": pushCommand()}[args[0]]
		out, _, err := runMapping(t, cmd, data, args[1:]...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, out)
		}
		if args[0] == "push" && !strings.Contains(out, "7 message(s) uploaded") {
			t.Fatalf("the push did not find the pulled mailbox:\n%s", out)
		}
	}
	out, _, err := runMapping(t, mappingCommand(), data, "show", "--project", p.ID, "--mailbox", "ann", "--json")
	if err != nil || !strings.Contains(out, `"`+id+`"`) || !strings.Contains(out, "INBOX.Work") {
		t.Fatalf("mapping show --mailbox ann: %v\n%s", err, out)
	}

	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if snaps, err := db.Snapshots(p.ID, sync.SnapshotSourceInventory+id); err != nil || len(snaps) != 2 {
		t.Fatalf("inventories under %s: %d (want the app's and the CLI's), %v", id, len(snaps), err)
	}
	if snaps, _ := db.Snapshots(p.ID, sync.SnapshotSourceInventory+"ann"); len(snaps) != 0 {
		t.Fatalf("%d inventories filed under the login", len(snaps))
	}
	boxes, err := db.Boxes(p.ID)
	if err != nil || len(boxes) != 1 || boxes[0].MailboxID != id {
		t.Fatalf("pulled boxes: %+v, %v", boxes, err)
	}
	if _, ok, err := sync.LoadMapping(db, p.ID, id); !ok || err != nil {
		t.Fatalf("no mapping saved under %s by the push: %v", id, err)
	}
}

func plainServer(t *testing.T, addr string) store.Server {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return store.Server{Host: host, Port: n, Security: store.SecurityPlain, AllowPlaintext: true}
}
