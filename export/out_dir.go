package export

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"path/filepath"

	"mailshift/export/eml"
	"mailshift/export/manifest"
	"mailshift/export/mbox"
)

// dirOutput writes mbox or eml files into <OutDir>/<Name>.partial/, renamed
// to <OutDir>/<Name>/ at commit.
type dirOutput struct {
	format        Format
	partial, dest string
	taken         map[string]string
	count         map[string]int // messages per folder
	// mbox: the folder file being written
	curFolder string
	curFile   *os.File
	curMbox   *mbox.Writer
}

func newDirOutput(opts Options) (*dirOutput, error) {
	o := &dirOutput{format: opts.Format, partial: filepath.Join(opts.OutDir, opts.Name+".partial"),
		dest: filepath.Join(opts.OutDir, opts.Name), taken: map[string]string{}, count: map[string]int{}}
	if _, err := os.Stat(o.dest); err == nil {
		return nil, fmt.Errorf("export: %s already exists", o.dest)
	}
	if err := os.RemoveAll(o.partial); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.partial, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", o.partial, err)
	}
	return o, nil
}

func (o *dirOutput) folder(f Folder) error {
	dir := eml.FolderDir(o.partial, f.Path, o.taken)
	if o.format == EML {
		return os.MkdirAll(dir, 0o700)
	}
	return os.MkdirAll(filepath.Dir(dir), 0o700)
}

func (o *dirOutput) add(_ context.Context, f Folder, m Message, r io.Reader) (manifest.Entry, error) {
	dir := eml.FolderDir(o.partial, f.Path, o.taken)
	o.count[f.String()]++
	n := o.count[f.String()]
	if o.format == EML {
		br := bufio.NewReaderSize(r, 64<<10)
		head, _ := br.Peek(64 << 10)
		name := eml.FileName(n, subjectOf(head))
		if _, _, err := eml.Write(filepath.Join(dir, name), br); err != nil {
			return manifest.Entry{}, err
		}
		rel, _ := filepath.Rel(o.partial, filepath.Join(dir, name))
		return manifest.Entry{File: filepath.ToSlash(rel)}, nil
	}
	if o.curFolder != f.String() {
		if err := o.closeMbox(); err != nil {
			return manifest.Entry{}, err
		}
		file, err := os.OpenFile(dir+".mbox", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return manifest.Entry{}, fmt.Errorf("create mbox: %w", err)
		}
		o.curFolder, o.curFile, o.curMbox = f.String(), file, mbox.NewWriter(file)
	}
	if _, err := o.curMbox.Add(r, "", m.InternalDate); err != nil {
		return manifest.Entry{}, err
	}
	rel, _ := filepath.Rel(o.partial, dir+".mbox")
	return manifest.Entry{File: filepath.ToSlash(rel), Index: n - 1}, nil
}

func (o *dirOutput) closeMbox() error {
	if o.curFile == nil {
		return nil
	}
	f := o.curFile
	o.curFile = nil
	if err := o.curMbox.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync mbox: %w", err)
	}
	return f.Close()
}

func (o *dirOutput) commit() ([]string, error) {
	if err := o.closeMbox(); err != nil {
		return nil, err
	}
	if err := os.Rename(o.partial, o.dest); err != nil {
		return nil, fmt.Errorf("rename %s: %w", o.partial, err)
	}
	return []string{o.dest}, nil
}

func (o *dirOutput) abort() {
	if o.curFile != nil {
		o.curFile.Close()
		o.curFile = nil
	}
}

func (o *dirOutput) discard() { os.RemoveAll(o.partial) }

func (o *dirOutput) warnings() []string { return nil }

var subjectDecoder = new(mime.WordDecoder)

// subjectOf reads the Subject of a message from its first bytes.
func subjectOf(head []byte) string {
	msg, err := mail.ReadMessage(bytes.NewReader(head))
	if err != nil {
		return ""
	}
	s := msg.Header.Get("Subject")
	if d, err := subjectDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}
