package sync

import (
	"context"
	"errors"
	gosync "sync"
	"testing"
	"time"
)

// After holdOff no new connection of that mailbox is dialled before the
// wait is over: get waits for it, tryGet (helpers) declines at once, and
// another mailbox is not held up.
func TestPoolHoldOffDelaysNewConnections(t *testing.T) {
	errDialled := errors.New("dialled")
	var mu gosync.Mutex
	dialled := map[string]time.Time{}
	p := newPool(2, func(ctx context.Context, mb string) (*Conn, error) {
		mu.Lock()
		dialled[mb] = time.Now()
		mu.Unlock()
		return nil, errDialled
	})
	start := time.Now()
	p.holdOff("alice", 300*time.Millisecond)
	if c, ok, err := p.tryGet(context.Background(), "alice"); c != nil || ok || err != nil {
		t.Fatalf("tryGet during the hold-off: %v %v %v", c, ok, err)
	}
	if _, err := p.get(context.Background(), "bob"); !errors.Is(err, errDialled) {
		t.Fatalf("bob: %v", err)
	}
	if _, err := p.get(context.Background(), "alice"); !errors.Is(err, errDialled) {
		t.Fatalf("alice: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if d := dialled["alice"].Sub(start); d < 300*time.Millisecond {
		t.Fatalf("alice dialled %v into a 300 ms hold-off", d)
	}
	if d := dialled["bob"].Sub(start); d >= 300*time.Millisecond {
		t.Fatalf("bob was held up %v by alice's hold-off", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.holdOff("carol", time.Hour)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := p.get(ctx, "carol"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled get during a hold-off: %v", err)
	}
	if _, ok := dialled["carol"]; ok {
		t.Fatal("carol dialled during her hold-off")
	}
}
