package pst

import "sync"

// valueStore is where a mapper puts property values. A value that fits a
// heap allocation (maxHeapAlloc bytes) stays in memory and is written with
// its property context later. A bigger one becomes a data tree, in one of
// two ways:
//
//   - streaming (d set; only on the Writer's goroutine): its blocks are
//     written to the file while the message is read, so memory stays flat
//     whatever the value's size;
//   - deferred (d nil; a pipeline worker, which must not touch the file):
//     it is kept in memory and listed in pending; materialize writes the
//     pending values, in the order they were made, on the Writer's
//     goroutine.
//
// Both produce the same blocks in the same order (values are finished one
// after another and never interleave), so a file does not depend on the
// mode. Deferred mode is used only for messages held in memory (at most
// spoolMemLimit bytes), which bounds what pending can hold.
type valueStore struct {
	d       *ndb
	pending []*value
}

// valueMark is a rollback point of a valueStore.
type valueMark struct {
	ndb     mark
	pending int
}

// mark returns a rollback point.
func (s *valueStore) mark() valueMark {
	m := valueMark{pending: len(s.pending)}
	if s.d != nil {
		m.ndb = s.d.setMark()
	}
	return m
}

// rollback forgets every value made since m: streamed blocks are dropped
// from the file (see ndb.rollback), deferred ones from pending.
func (s *valueStore) rollback(m valueMark) error {
	for _, v := range s.pending[m.pending:] {
		v.freeChunks()
	}
	s.pending = s.pending[:m.pending]
	if s.d != nil {
		return s.d.rollback(m.ndb)
	}
	return nil
}

// materialize writes every pending value into d as a data tree, in the
// order the values were made, and sets its bid. Values are shared with the
// message model by pointer, so the model then refers to the trees.
func (s *valueStore) materialize(d *ndb) error {
	for i, v := range s.pending {
		// Every chunk but the last is a whole block: the same blocks as
		// treeWriter.Write would cut, without copying.
		t := newTreeWriter(d)
		for _, c := range v.chunks {
			if err := t.addBlock(c); err != nil {
				return err
			}
		}
		bid, _, err := t.finish()
		if err != nil {
			return err
		}
		v.bid = bid
		v.freeChunks()
		s.pending[i] = nil
	}
	s.pending = s.pending[:0]
	return nil
}

// discard frees the memory of values never written (the message was
// dropped).
func (s *valueStore) discard() {
	for _, v := range s.pending {
		v.freeChunks()
	}
	s.pending = nil
}

// chunkPool recycles the block-sized chunks deferred values are kept in.
var chunkPool = sync.Pool{New: func() any { return new([maxBlockData]byte) }}

// freeChunks returns v's chunks to the pool.
func (v *value) freeChunks() {
	for _, c := range v.chunks {
		chunkPool.Put((*[maxBlockData]byte)(c[:maxBlockData]))
	}
	v.chunks = nil
}

// valueSink collects one property value: in memory while it fits a heap
// allocation, then (streaming) into a data tree or (deferred) into
// block-sized chunks, so that a value is copied once and never regrown.
type valueSink struct {
	store  *valueStore
	buf    []byte
	tree   *treeWriter
	chunks [][]byte
	n      int64
}

func newValueSink(s *valueStore) *valueSink { return &valueSink{store: s} }

// Write implements io.Writer.
func (s *valueSink) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.tree == nil && s.chunks == nil {
		if len(s.buf)+len(p) <= maxHeapAlloc {
			s.buf = append(s.buf, p...)
			return len(p), nil
		}
		if s.store.d != nil {
			s.tree = newTreeWriter(s.store.d)
			if _, err := s.tree.Write(s.buf); err != nil {
				return 0, err
			}
		} else {
			s.chunks = s.appendChunks(s.buf)
		}
		s.buf = nil
	}
	if s.tree != nil {
		return s.tree.Write(p)
	}
	s.chunks = s.appendChunks(p)
	return len(p), nil
}

// appendChunks adds p to the chunks, filling the last one first.
func (s *valueSink) appendChunks(p []byte) [][]byte {
	cs := s.chunks
	for len(p) > 0 {
		n := len(cs)
		if n == 0 || len(cs[n-1]) == maxBlockData {
			cs = append(cs, chunkPool.Get().(*[maxBlockData]byte)[:0])
			n++
		}
		k := min(maxBlockData-len(cs[n-1]), len(p))
		cs[n-1] = append(cs[n-1], p[:k]...)
		p = p[k:]
	}
	return cs
}

// finish returns the value; a deferred big value is added to pending.
func (s *valueSink) finish() (*value, error) {
	switch {
	case s.chunks != nil:
		v := &value{chunks: s.chunks, size: s.n, big: true}
		s.store.pending = append(s.store.pending, v)
		return v, nil
	case s.tree == nil:
		return &value{data: s.buf, size: s.n}, nil
	}
	bid, _, err := s.tree.finish()
	if err != nil {
		return nil, err
	}
	return &value{bid: bid, size: s.n, big: true}, nil
}
