// Package mbox writes and reads mboxrd files: each message is preceded by
// a "From " line and followed by an empty line, and every line of the
// message that starts with zero or more '>' then "From " gets one more '>'.
// Reading undoes exactly that, so a round trip gives back the same bytes.
//
// The one thing mboxrd cannot show is a message whose last line has no line
// break: the writer adds one and reports it (Added), and Read takes an
// optional original size to drop it again (the export manifest records it).
package mbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"time"
)

// Writer appends messages to an mboxrd stream. Not safe for concurrent use.
type Writer struct {
	w *bufio.Writer
	n int
}

// NewWriter writes to w; call Flush at the end.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriterSize(w, 256<<10)} }

// Written describes one message as written.
type Written struct {
	Size   int64    // bytes of the message read from r
	SHA256 [32]byte // of those bytes
	Added  bool     // a final line break was added
}

// Add streams one message from r. sender and date make the "From " line
// (sender "MAILER-DAEMON" when empty).
func (mw *Writer) Add(r io.Reader, sender string, date time.Time) (Written, error) {
	var res Written
	if sender == "" {
		sender = "MAILER-DAEMON"
	}
	if date.IsZero() {
		date = time.Unix(0, 0)
	}
	fmt.Fprintf(mw.w, "From %s %s\n", sender, date.UTC().Format("Mon Jan _2 15:04:05 2006"))
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(r, h), 64<<10)
	atLineStart, last := true, byte('\n')
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if atLineStart && needsQuote(chunk, br) {
				mw.w.WriteByte('>')
			}
			mw.w.Write(chunk)
			res.Size += int64(len(chunk))
			last = chunk[len(chunk)-1]
			atLineStart = last == '\n'
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, fmt.Errorf("read message: %w", err)
		}
	}
	if res.Size > 0 && last != '\n' {
		mw.w.WriteByte('\n')
		res.Added = true
	}
	if _, err := mw.w.WriteString("\n"); err != nil {
		return res, fmt.Errorf("write mbox: %w", err)
	}
	copy(res.SHA256[:], h.Sum(nil))
	mw.n++
	return res, nil
}

// needsQuote reports whether a line (its first chunk) is >*From .
func needsQuote(line []byte, _ *bufio.Reader) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return bytes.HasPrefix(line[i:], []byte("From "))
}

// Flush writes buffered data.
func (mw *Writer) Flush() error {
	if err := mw.w.Flush(); err != nil {
		return fmt.Errorf("write mbox: %w", err)
	}
	return nil
}

// Message is one message read back.
type Message struct {
	FromLine string // the "From " line without its line break
	Data     []byte
}

// Read calls fn for every message of an mboxrd stream, in order. sizes,
// when not nil, gives the original size of each message (from the
// manifest) so that a line break the writer added is removed again.
func Read(r io.Reader, sizes []int64, fn func(i int, m Message) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var cur *Message
	var buf bytes.Buffer
	i := 0
	emit := func() error {
		if cur == nil {
			return nil
		}
		data := buf.Bytes()
		// drop the separator line
		if n := len(data); n > 0 && data[n-1] == '\n' {
			data = data[:n-1]
		}
		if sizes != nil && i < len(sizes) && int64(len(data)) == sizes[i]+1 && len(data) > 0 && data[len(data)-1] == '\n' {
			data = data[:len(data)-1]
		}
		cur.Data = bytes.Clone(data)
		err := fn(i, *cur)
		i++
		buf.Reset()
		return err
	}
	lineStart := true
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			switch {
			case lineStart && bytes.HasPrefix(line, []byte("From ")) && err != bufio.ErrBufferFull:
				if e := emit(); e != nil {
					return e
				}
				cur = &Message{FromLine: string(bytes.TrimRight(line, "\r\n"))}
			case cur == nil:
				return fmt.Errorf("mbox: data before the first From line")
			case lineStart && isQuotedFrom(line):
				buf.Write(line[1:])
			default:
				buf.Write(line)
			}
			lineStart = line[len(line)-1] == '\n'
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return emit()
		}
		if err != nil {
			return fmt.Errorf("read mbox: %w", err)
		}
	}
}

func isQuotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}

var _ hash.Hash = sha256.New()
