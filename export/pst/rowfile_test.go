package pst

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestRowFileChainsInterleavedFolders adds rows of four folders in a random
// interleaving through a row file with a 300-byte buffer (so most links are
// written to records already on disk) and some rows larger than the
// buffer: every folder reads back exactly its own rows, in the order added.
func TestRowFileChainsInterleavedFolders(t *testing.T) {
	rf, err := newRowFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer rf.close()
	rf.buf = make([]byte, 0, 300)
	r := rand.New(rand.NewPCG(1, 2))
	chains := make([]rowChain, 4)
	want := make([][]contentsRow, 4)
	for i := 0; i < 3000; i++ {
		f := r.IntN(4)
		if i%7 == 0 { // runs of one folder, as exports usually add them
			f = i / 7 % 4
		}
		subj := fmt.Sprintf("row %d of folder %d", i, f)
		if i%500 == 0 {
			subj += strings.Repeat("x", 1000)
		}
		row := contentsRow{nid: uint32(0x10001+i)<<5 | 4, flags: int32(i % 3), size: int32(i * 10), subject: subj,
			sender: "S", to: "T", cc: "", delivery: time.Unix(int64(1e9+i), 0).UTC()}
		if err := rf.add(&chains[f], row.encode()); err != nil {
			t.Fatal(err)
		}
		want[f] = append(want[f], row)
	}
	for f, c := range chains {
		if c.n != len(want[f]) {
			t.Fatalf("folder %d: chain counts %d rows, %d were added", f, c.n, len(want[f]))
		}
		var got []contentsRow
		if err := rf.each(c, func(r contentsRow) error { got = append(got, r); return nil }); err != nil {
			t.Fatalf("folder %d: %v", f, err)
		}
		for i := range want[f] {
			if got[i] != want[f][i] {
				t.Fatalf("folder %d row %d: got %+v, want %+v", f, i, got[i], want[f][i])
			}
		}
	}
}
