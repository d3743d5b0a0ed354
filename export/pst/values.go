package pst

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
	for _, v := range s.pending {
		bid, err := writeValue(d, v.data)
		if err != nil {
			return err
		}
		v.bid, v.data = bid, nil
	}
	s.pending = nil
	return nil
}

// valueSink collects one property value: in memory while it fits a heap
// allocation, then (streaming) into a data tree or (deferred) into memory.
type valueSink struct {
	store *valueStore
	buf   []byte
	tree  *treeWriter
	n     int64
}

func newValueSink(s *valueStore) *valueSink { return &valueSink{store: s} }

// Write implements io.Writer.
func (s *valueSink) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.tree == nil {
		if len(s.buf)+len(p) <= maxHeapAlloc || s.store.d == nil {
			s.buf = append(s.buf, p...)
			return len(p), nil
		}
		s.tree = newTreeWriter(s.store.d)
		if _, err := s.tree.Write(s.buf); err != nil {
			return 0, err
		}
		s.buf = nil
	}
	return s.tree.Write(p)
}

// finish returns the value; a deferred big value is added to pending.
func (s *valueSink) finish() (*value, error) {
	if s.tree == nil && len(s.buf) <= maxHeapAlloc {
		return &value{data: s.buf, size: s.n}, nil
	}
	if s.tree == nil { // deferred
		v := &value{data: s.buf, size: s.n, big: true}
		s.store.pending = append(s.store.pending, v)
		return v, nil
	}
	bid, _, err := s.tree.finish()
	if err != nil {
		return nil, err
	}
	return &value{bid: bid, size: s.n, big: true}, nil
}
