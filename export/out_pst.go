package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"mailshift/export/manifest"
	"mailshift/export/pst"
)

// pstOutput writes through pst.Writer, which maps messages on worker
// goroutines and writes them after add returns, in order: it is a
// deferredOutput, and hands back each message's file and index once the
// message is written.
type pstOutput struct {
	w     *pst.Writer
	first string // the series' first file
	ids   map[string]pst.FolderID
	paths map[pst.FolderID]string
	ready []manifest.Entry // File and Index of messages written, not yet taken
	warns []string
}

func newPSTOutput(opts Options, prog Progress) (*pstOutput, error) {
	o := &pstOutput{ids: map[string]pst.FolderID{}, paths: map[pst.FolderID]string{}}
	first := filepath.Join(opts.OutDir, opts.Name+".pst")
	if _, err := os.Stat(first); err == nil {
		return nil, fmt.Errorf("export: %s already exists", first)
	}
	w, err := pst.Create(filepath.Join(opts.OutDir, opts.Name+".pst"), pst.Options{
		MaxSize: opts.PSTMaxSize, DisplayName: opts.Name,
		OnWarning: func(w pst.Warning) {
			folder := o.paths[w.FolderID]
			o.warns = append(o.warns, fmt.Sprintf("%s: %q: %s", w.Folder, w.Subject, w.Problem))
			prog.Event(MessageWarning{Folder: folder, Subject: w.Subject, Problem: w.Problem})
		},
		OnWritten: func(w pst.Written) {
			o.ready = append(o.ready, manifest.Entry{File: filepath.Base(w.File), Index: w.Index})
		},
	})
	if err != nil {
		os.Remove(first + ".partial") // begun, nothing in it yet (a full disk)
		return nil, err
	}
	o.w, o.first = w, first
	return o, nil
}

func (o *pstOutput) folder(f Folder) error {
	parent := pst.Top
	if len(f.Path) > 1 {
		parent = o.ids[Folder{Path: f.Path[:len(f.Path)-1]}.String()]
	}
	id, err := o.w.AddFolder(parent, f.Path[len(f.Path)-1])
	o.ids[f.String()] = id
	o.paths[id] = f.String()
	return err
}

// add reads the message and hands it to the writer; File and Index come
// later, from written.
func (o *pstOutput) add(ctx context.Context, f Folder, m Message, r io.Reader) (manifest.Entry, error) {
	err := o.w.AddMessage(ctx, o.ids[f.String()], r, pst.MessageMeta{Flags: m.Flags, InternalDate: m.InternalDate})
	return manifest.Entry{}, err
}

func (o *pstOutput) written() []manifest.Entry {
	r := o.ready
	o.ready = nil
	return r
}

func (o *pstOutput) flush(ctx context.Context) error { return o.w.Flush(ctx) }

func (o *pstOutput) commit() ([]string, error) {
	if err := o.w.Close(); err != nil {
		return nil, err
	}
	return o.w.Files(), nil
}

func (o *pstOutput) abort() { o.w.Abort() }

// discard removes every *.partial file of the series.
func (o *pstOutput) discard() {
	for n := 1; ; n++ {
		if err := os.Remove(pst.PartPath(o.first, n) + ".partial"); errors.Is(err, fs.ErrNotExist) {
			return
		}
	}
}

func (o *pstOutput) warnings() []string { return o.warns }
