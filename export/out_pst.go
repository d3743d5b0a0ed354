package export

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"mailshift/export/manifest"
	"mailshift/export/pst"
)

// pstOutput writes through pst.Writer.
type pstOutput struct {
	w     *pst.Writer
	ids   map[string]pst.FolderID
	index map[string]int // messages per file so far
	warns []string
	prog  Progress
	cur   string // folder of the message being added
}

func newPSTOutput(opts Options, prog Progress) (*pstOutput, error) {
	o := &pstOutput{ids: map[string]pst.FolderID{}, index: map[string]int{}, prog: prog}
	first := filepath.Join(opts.OutDir, opts.Name+".pst")
	if _, err := os.Stat(first); err == nil {
		return nil, fmt.Errorf("export: %s already exists", first)
	}
	w, err := pst.Create(filepath.Join(opts.OutDir, opts.Name+".pst"), pst.Options{
		MaxSize: opts.PSTMaxSize, DisplayName: opts.Name,
		OnWarning: func(w pst.Warning) {
			s := fmt.Sprintf("%s: %q: %s", w.Folder, w.Subject, w.Problem)
			o.warns = append(o.warns, s)
			prog.Event(MessageWarning{Folder: o.cur, Subject: w.Subject, Problem: w.Problem})
		},
	})
	if err != nil {
		return nil, err
	}
	o.w = w
	return o, nil
}

func (o *pstOutput) folder(f Folder) error {
	parent := pst.Top
	if len(f.Path) > 1 {
		parent = o.ids[Folder{Path: f.Path[:len(f.Path)-1]}.String()]
	}
	id, err := o.w.AddFolder(parent, f.Path[len(f.Path)-1])
	o.ids[f.String()] = id
	return err
}

func (o *pstOutput) add(ctx context.Context, f Folder, m Message, r io.Reader) (manifest.Entry, error) {
	o.cur = f.String()
	err := o.w.AddMessage(ctx, o.ids[f.String()], r, pst.MessageMeta{Flags: m.Flags, InternalDate: m.InternalDate})
	file := filepath.Base(o.w.Current())
	e := manifest.Entry{File: file, Index: o.index[file]}
	o.index[file]++
	return e, err
}

func (o *pstOutput) commit() ([]string, error) {
	if err := o.w.Close(); err != nil {
		return nil, err
	}
	return o.w.Files(), nil
}

func (o *pstOutput) abort()             { o.w.Abort() }
func (o *pstOutput) warnings() []string { return o.warns }
