package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"mailshift/export/eml"
	"mailshift/export/manifest"
	"mailshift/store"
)

// Format is an output format.
type Format string

// Formats.
const (
	PST  Format = "pst"
	MBOX Format = "mbox"
	EML  Format = "eml"
)

// Options configure a run.
type Options struct {
	Format Format
	OutDir string // created if missing
	// Name is the base name of the output: <Name>.pst (plus <Name>-002.pst …
	// when split) and <Name>.manifest.json for PST; a folder <Name>/ holding
	// the files and manifest.json for mbox and eml.
	Name       string
	PSTMaxSize int64    // 0: pst.DefaultMaxSize
	Progress   Progress // nil: NoProgress
}

// Result summarises a run.
type Result struct {
	Files    []string       // output files (PST) or the output folder (mbox, eml)
	Manifest string         // manifest path
	Messages int            // messages exported
	Bytes    int64          // input bytes exported
	Folders  map[string]int // messages exported per folder path
	Skipped  []Skipped      // messages not exported, with the reason
	Warnings []string       // messages exported with a problem
}

// diskFull words a full disk for the person at the screen: which folder,
// how far the export got, and what to do; the unfinished files are gone.
// (A disk out of inodes says "no space" too, with bytes to spare: the
// wording fits both.)
func diskFull(dir string, res *Result, err error) error {
	return fmt.Errorf("the disk holding %s ran out of space after %d messages (%.1f MB) were exported: "+
		"the unfinished export was removed to give its space back; free space there or choose another folder, "+
		"then export again (%w)", dir, res.Messages, float64(res.Bytes)/1e6, err)
}

// Skipped is a message the run could not export.
type Skipped struct{ Folder, Reason string }

// output is one format's writer.
type output interface {
	folder(f Folder) error
	// add exports one message; it returns the manifest entry (File, Index).
	add(ctx context.Context, f Folder, m Message, r io.Reader) (manifest.Entry, error)
	// commit finishes every file and renames it into place.
	commit() ([]string, error)
	// abort leaves only *.partial names behind.
	abort()
	// discard removes what abort left: after a full disk, the space goes
	// back to the user (an unfinished export cannot be resumed; the next
	// run starts it again).
	discard()
	warnings() []string
}

// Run exports every folder and message of src. On error or cancellation
// the output stays under *.partial names and the error is returned,
// except on a full disk, where it is removed (the error says so); a
// message that cannot be read is skipped with its reason and the run goes
// on.
func Run(ctx context.Context, src Source, opts Options) (res *Result, err error) {
	prog := opts.Progress
	if prog == nil {
		prog = NoProgress{}
	}
	res = &Result{Folders: map[string]int{}}
	defer func() { prog.Event(Finished{Result: res, Err: err}) }()
	if opts.Name == "" || eml.SafeName(opts.Name, 200) != opts.Name {
		return res, fmt.Errorf("export: %q is not a usable output name", opts.Name)
	}
	if err := os.MkdirAll(opts.OutDir, 0o700); err != nil {
		return res, fmt.Errorf("create output folder: %w", err)
	}
	folders, err := src.Folders(ctx)
	if err != nil {
		return res, fmt.Errorf("list folders: %w", err)
	}
	var out output
	var manifestPath, format string
	switch opts.Format {
	case PST:
		manifestPath, format = filepath.Join(opts.OutDir, opts.Name+".manifest.json"), "pst"
		out, err = newPSTOutput(opts, prog)
	case MBOX, EML:
		dir := filepath.Join(opts.OutDir, opts.Name)
		manifestPath, format = filepath.Join(dir, "manifest.json"), string(opts.Format)
		out, err = newDirOutput(opts)
	default:
		return res, fmt.Errorf("export: unknown format %q (pst, mbox or eml)", opts.Format)
	}
	if err != nil {
		if store.IsDiskFull(err) { // the output removed what it had begun
			return res, diskFull(opts.OutDir, res, err)
		}
		return res, err
	}
	mfPartial := manifestPath + ".partial"
	if opts.Format != PST {
		mfPartial = filepath.Join(opts.OutDir, opts.Name+".partial", "manifest.json")
	}
	// abort ends a failed run: its output stays under *.partial names, or
	// after a full disk is removed to give the space back.
	abort := func(e error) (*Result, error) {
		out.abort()
		if store.IsDiskFull(e) {
			out.discard()
			os.Remove(mfPartial)
			return res, diskFull(opts.OutDir, res, e)
		}
		return res, e
	}
	mf, err := manifest.Create(mfPartial, format)
	if err != nil {
		return abort(err)
	}
	fail := func(e error) (*Result, error) {
		mf.Close()
		return abort(e)
	}
	for _, f := range folders {
		if err := out.folder(f); err != nil {
			return fail(fmt.Errorf("create folder %s: %w", f, err))
		}
	}
	deferred, _ := out.(deferredOutput)
	var pending []exported
	// settle records the messages the output has written since last time.
	settle := func() error {
		if deferred == nil {
			return nil
		}
		for _, w := range deferred.written() {
			if len(pending) == 0 {
				return errors.New("export: the output wrote a message it was not given")
			}
			e := pending[0]
			pending = pending[1:]
			e.entry.File, e.entry.Index = w.File, w.Index
			if err := res.record(mf, prog, e); err != nil {
				return err
			}
		}
		return nil
	}
	for _, f := range folders {
		prog.Event(FolderStarted{Folder: f.String()})
		for m, merr := range src.Messages(ctx, f) {
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
			if merr != nil {
				res.skip(prog, f, merr.Error())
				continue
			}
			entry, n, err := exportOne(ctx, out, f, m)
			if errors.Is(err, errSourceRead) {
				res.skip(prog, f, err.Error())
				continue
			}
			if err == nil {
				e := exported{folder: f, entry: entry, n: n, sum: m.SHA256}
				if deferred != nil {
					pending = append(pending, e)
				} else {
					err = res.record(mf, prog, e)
				}
			}
			if err == nil {
				err = settle()
			}
			if err != nil {
				return fail(fmt.Errorf("export a message of %s: %w", f, err))
			}
		}
	}
	if deferred != nil {
		if err := deferred.flush(ctx); err != nil {
			return fail(fmt.Errorf("export: write the last messages: %w", err))
		}
		if err := settle(); err != nil {
			return fail(err)
		}
		if len(pending) > 0 {
			return fail(fmt.Errorf("export: %d messages were not written", len(pending)))
		}
	}
	if err := mf.Close(); err != nil {
		return abort(err)
	}
	files, err := out.commit()
	if err != nil {
		return abort(err)
	}
	if opts.Format == PST {
		if err := os.Rename(mfPartial, manifestPath); err != nil {
			return res, fmt.Errorf("rename manifest: %w", err)
		}
	}
	res.Files, res.Manifest = files, manifestPath
	res.Warnings = append(res.Warnings, out.warnings()...)
	for _, f := range files {
		prog.Event(FileWritten{Path: f})
	}
	return res, nil
}

func (r *Result) skip(p Progress, f Folder, reason string) {
	r.Skipped = append(r.Skipped, Skipped{Folder: f.String(), Reason: reason})
	p.Event(MessageSkipped{Folder: f.String(), Reason: reason})
}
