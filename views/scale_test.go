package views

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
)

// A 500-mailbox project: Setup's mailbox table and the migration
// dashboard hold every row, yet paint only the rows that fit the window
// (virtualised tables), and the last row is reachable by scrolling. The
// screens open within a bound that a non-virtualised layout of 500×8
// cells would not meet on this machine.
func TestFiveHundredMailboxesStayVirtualised(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ctx := context.Background()
	if _, err := a.UnlockSecrets(ctx, []byte("a good passphrase"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateProject(ctx, app.NewProject{Name: "Big Co", Domain: "big.test"}); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("EmailAddress,UserName,Password\n")
	for i := range 500 {
		fmt.Fprintf(&csv, "user%03d@big.test,user%03d,pw%03d\n", i, i, i)
	}
	if n, err := a.ImportMailboxesCSV(ctx, "big-co", "Tess Tester", strings.NewReader(csv.String())); err != nil || n != 500 {
		t.Fatalf("import: %d, %v", n, err)
	}

	start := time.Now()
	u := s.Open("setup", "big-co").(*SetupScreen)
	s.WaitIdle()
	s.WaitIdle()
	if len(u.MailboxList()) != 500 {
		t.Fatalf("setup lists %d mailboxes, want 500", len(u.MailboxList()))
	}
	if painted := paintedRows(s, u.Mailboxes); painted == 0 || painted > 60 {
		t.Fatalf("setup painted %d mailbox cells' rows; a virtualised table paints only what fits", painted)
	}
	if got := u.cell(cellID(500, 0)); got != "user499@big.test" {
		t.Fatalf("last row: %q", got)
	}
	s.Do(func() { u.Mailboxes.ScrollToBottom() })
	if last := paintedUsers(s, u.Mailboxes); !last["user499@big.test"] || last["user000@big.test"] {
		t.Fatalf("scrolled to the bottom, the rows painted are %v", last)
	}

	m := s.Open("migrate", "big-co").(*MigrateScreen)
	s.WaitIdle()
	s.WaitIdle()
	if rows := m.Dashboard.Rows(); len(rows) != 500 {
		t.Fatalf("dashboard has %d rows, want 500", len(rows))
	}
	if painted := paintedRows(s, m.Dashboard.Mailboxes); painted == 0 || painted > 60 {
		t.Fatalf("dashboard painted %d rows; a virtualised table paints only what fits", painted)
	}
	d := time.Since(start)
	if d > 20*time.Second {
		t.Fatalf("opening setup and the dashboard for 500 mailboxes took %v", d)
	}
	t.Logf("500 mailboxes: setup and dashboard open in %v (shared machine); rows built: setup %d, dashboard %d",
		d, paintedRows(s, u.Mailboxes), paintedRows(s, m.Dashboard.Mailboxes))
}

// paintedUsers paints the window and returns the "userNNN@big.test"
// labels the table has built and shows: the mailbox rows painted.
func paintedUsers(s *Shell, table *widget.Table) map[string]bool {
	s.Do(func() { s.Window.Canvas().Capture() })
	seen := map[string]bool{}
	s.Do(func() {
		walkRendered(table, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Visible() && strings.HasPrefix(l.Text, "user") && strings.HasSuffix(l.Text, "@big.test") {
				seen[l.Text] = true
			}
		})
	})
	return seen
}

func paintedRows(s *Shell, table *widget.Table) int { return len(paintedUsers(s, table)) }
