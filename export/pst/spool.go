package pst

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spoolMemLimit is the largest message kept in memory while it is mapped;
// bigger ones go to a temporary file so memory stays flat. It is the
// largest message handed to a worker (maxPipelined): a bigger one is
// streamed by the writer's goroutine anyway, and holding it in memory only
// raised the peak (a 4 MiB message in memory plus the garbage collector's
// headroom cost about 8 MiB more peak RSS, and a mailbox with more such
// messages was more likely to reach that peak).
const spoolMemLimit = maxPipelined

// spooled is one message's bytes, re-readable from the start.
type spooled struct {
	mem  []byte
	file *os.File
	size int64
}

// spool reads a message into buf (reused between messages) or, when it is
// larger than spoolMemLimit, into a temporary file.
func spool(r io.Reader, tmpDir string, buf *bytes.Buffer) (*spooled, error) {
	buf.Reset()
	if sz, ok := r.(interface{ Size() int64 }); ok { // a hint: grow once
		buf.Grow(int(min(max(sz.Size(), 0), spoolMemLimit+1)) + bytes.MinRead)
	}
	n, err := io.CopyN(buf, r, spoolMemLimit+1)
	if err == io.EOF || (err == nil && n <= spoolMemLimit) {
		return &spooled{mem: buf.Bytes(), size: n}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	f, err := os.CreateTemp(tmpDir, ".mailshift-pst-msg-*")
	if err != nil {
		return nil, fmt.Errorf("spool message: %w", err)
	}
	s := &spooled{file: f}
	if _, err := f.Write(buf.Bytes()); err != nil {
		s.close()
		return nil, fmt.Errorf("spool message: %w", err)
	}
	m, err := io.Copy(f, r)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("read message: %w", err)
	}
	s.size = n + m
	return s, nil
}

func (s *spooled) reader() io.Reader {
	if s.file != nil {
		return io.NewSectionReader(s.file, 0, s.size)
	}
	return bytes.NewReader(s.mem)
}

// head returns up to n first bytes.
func (s *spooled) head(n int) []byte {
	if s.file == nil {
		return s.mem[:min(int64(n), s.size)]
	}
	b := make([]byte, min(int64(n), s.size))
	k, _ := s.file.ReadAt(b, 0)
	return b[:k]
}

func (s *spooled) close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
}
