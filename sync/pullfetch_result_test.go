package sync

import "testing"

// The marks of a FETCH's UIDs answer like the map they replaced, whatever
// order the replies come in, and a UID outside the span counts only as
// "something was stored".
func TestUIDMarks(t *testing.T) {
	span := []uint32{3, 4, 9, 70, 71, 72, 200, 5000}
	for i := uint32(0); i < 100; i++ {
		span = append(span, 6000+2*i) // past one word of bits
	}
	m := newUIDMarks(span)
	if m.any() {
		t.Fatal("fresh marks say something was stored")
	}
	marked := map[uint32]bool{}
	for _, u := range []uint32{4, 3, 71, 5000, 6198, 6000, 6064, 6130} { // out of order too
		m.mark(u)
		marked[u] = true
	}
	m.mark(6001) // not asked for: inside the span's bounds, not in it
	m.mark(1)    // below it
	m.mark(9999) // above it
	if !m.any() {
		t.Fatal("marks say nothing was stored")
	}
	for _, u := range append(span, 1, 2, 6001, 9999, 10000) {
		if got := m.has(u); got != marked[u] {
			t.Errorf("has(%d) = %v, want %v", u, got, marked[u])
		}
	}
	out := newUIDMarks(nil)
	out.mark(7)
	if !out.any() || out.has(7) {
		t.Errorf("empty span: any %v has(7) %v, want true false", out.any(), out.has(7))
	}
}
