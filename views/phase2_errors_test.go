package views

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mailshift/app"
	"mailshift/store"
	"mailshift/sync"
)

// Ten thousand failed messages load in the background and show in the
// virtualised table: the summary counts them, the last row is reachable,
// and only the visible rows are built (timing logged; shared machine).
func TestPhase2ErrorsListsTenThousand(t *testing.T) {
	s, a := openShell(t, t.TempDir())
	defer a.Close()
	defer s.Close()
	ctx := context.Background()
	if _, err := a.CreateProject(ctx, app.NewProject{Name: "Big", Domain: "big.test"}); err != nil {
		t.Fatal(err)
	}
	db := a.Store()
	if err := db.AddMailboxes("big", []store.NewMailbox{{Mailbox: store.Mailbox{Email: "ann@big.test", SourceLogin: "ann"}}}); err != nil {
		t.Fatal(err)
	}
	const n = 10000
	recs := map[store.PushKey]store.PushRecord{}
	for i := range n {
		h := store.Hash(sha256.Sum256(fmt.Appendf(nil, "message %d", i)))
		recs[store.PushKey{Hash: h}] = store.PushRecord{State: store.PushFailed, Reason: sync.CodeRejected, Text: fmt.Sprintf("NO refused %d", i+1),
			Size: 2048, MessageID: fmt.Sprintf("<m%d@big.test>", i+1), SourceUID: uint32(i + 1), At: time.Now().UTC()}
	}
	if err := db.RecordPush("big", "ann@big.test", "INBOX", nil, recs); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m := openMigrate(s, "big")
	s.WaitIdle()
	took := time.Since(start)
	e := m.Errors
	s.Do(func() { m.Tabs.SelectIndex(2) })
	if len(e.Failures()) != n || !strings.HasPrefix(e.Summary.Text, "10000 message(s) not on the new host; Retry failed sends 10000") || e.Retry.Disabled() {
		t.Fatalf("%d failures, %q", len(e.Failures()), e.Summary.Text)
	}
	if e.CellText(n, 2) != "<m10000@big.test>" || e.CellText(n, 5) != "NO refused 10000" || e.CellText(n, 1) != "INBOX (new host)" {
		t.Fatalf("last row: %q %q %q", e.CellText(n, 1), e.CellText(n, 2), e.CellText(n, 5))
	}
	// A virtualised table builds rows for what is visible, not 10,000.
	cells := 0
	s.Do(func() { s.Window.Canvas().Capture() }) // paints: the table builds the cells it shows
	walkRendered(e.Table, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && strings.HasPrefix(l.Text, "NO refused") {
			cells++
		}
	})
	if cells == 0 || cells > 200 {
		t.Fatalf("%d rows built for %d failures", cells, n)
	}
	// Scrolled to the last row, the rows built are the last ones.
	s.Do(func() { e.Table.ScrollTo(cellID(n, 0)) })
	s.Do(func() { s.Window.Canvas().Capture() })
	lowest, highest := n+1, 0
	walkRendered(e.Table, func(o fyne.CanvasObject) {
		var k int
		if l, ok := o.(*widget.Label); ok && l.Visible() {
			if _, err := fmt.Sscanf(l.Text, "NO refused %d", &k); err == nil {
				lowest, highest = min(lowest, k), max(highest, k)
			}
		}
	})
	if highest != n || lowest < n-100 {
		t.Fatalf("scrolled to the last row, rows %d to %d are shown", lowest, highest)
	}
	t.Logf("10000 failures listed and shown in %s (shared, loaded machine); %d rows built", took, cells)
}

// walkRendered visits o and everything its (cached) renderers hold.
func walkRendered(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	switch c := o.(type) {
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(c).Objects() {
			walkRendered(child, visit)
		}
	case *fyne.Container:
		for _, child := range c.Objects {
			walkRendered(child, visit)
		}
	}
}
