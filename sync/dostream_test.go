package sync

import (
	"context"
	"testing"

	"mailshift/internal/testenv"
	"mailshift/store"
)

// A long command that ends normally leaves its connection open: doStream's
// watcher must not take the end of the command for a cancellation (it did
// now and then, when it woke only after both had happened, and a later
// command failed with "use of closed network connection").
func TestDoStreamLeavesTheConnectionOpen(t *testing.T) {
	d := testenv.StartDovecot(t, testenv.DovecotOptions{})
	c, err := Dial(context.Background(), endpointFor(d, d.Addr, store.SecurityPlain, testenv.DefaultUser))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3000; i++ {
		if err := c.doStream(context.Background(), func(touch func()) error { touch(); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatalf("the connection was closed behind the caller's back: %v", err)
	}
}
