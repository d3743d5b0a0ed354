// Package store holds Mailshift's state: one bbolt file per installation
// (projects, mailboxes, checklists, the audit log, sealed credentials, the
// message index) and, beside it, the content-addressed message files.
//
// Concurrency: a *DB is safe for concurrent use. Only one process may have a
// data folder open; a second gets ErrAlreadyOpen within LockTimeout.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the database file inside the data folder.
const FileName = "mailshift.db"

// LockTimeout bounds how long Open waits for another process's lock.
const LockTimeout = 2 * time.Second

// ErrAlreadyOpen means another Mailshift holds the data folder's lock.
var ErrAlreadyOpen = errors.New("already open by another Mailshift")

// DB is an open data folder.
type DB struct {
	bolt *bolt.DB
	dir  string
	path string
	seal *sealer // nil until UnlockSecrets succeeds

	packs   packs
	reading readFiles // packs open for reading (packs_read.go)
	// blobHints are the generations of the hash index recent lookups
	// found their blobs in (msgindex_blobs.go): where the next ones look
	// first.
	blobHints blobHints
	// blobDir answers "is this stored, and where?" from memory
	// (StoredCopy).
	blobDir blobDir
	// journalDropped is when a push journal commit last released the
	// index pages (Unix nanoseconds; see RecordPush).
	journalDropped atomic.Int64
}

// Options tune Open; the zero value is what the app uses.
type Options struct {
	LockTimeout time.Duration // default LockTimeout
	ReadOnly    bool
}

// Open opens (creating when absent) the data folder dir and its database,
// running any pending schema migrations in one transaction. A corrupt or
// foreign file is reported with its path and never modified.
func Open(dir string, opts Options) (*DB, error) {
	if dir == "" {
		return nil, errors.New("no data folder given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	// MkdirAll keeps an existing folder's mode; tighten it, since the folder
	// holds customers' mail.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secure data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = LockTimeout
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("data folder %s is %w: close the other window (or use --data for another folder)", dir, ErrAlreadyOpen)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w (the file is not a readable Mailshift database; it was left untouched)", path, err)
	}
	db := &DB{bolt: bdb, dir: dir, path: path}
	if !opts.ReadOnly {
		if err := db.migrate(); err != nil {
			bdb.Close()
			return nil, err
		}
	} else if err := db.checkSchema(); err != nil {
		bdb.Close()
		return nil, err
	}
	return db, nil
}

// checkHeader refuses a file that exists but is not a bbolt database before
// bbolt gets a chance to touch it (bbolt would initialise an empty file, and
// we want "foreign file" to be an error that leaves it alone).
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if st.Size() == 0 {
		return fmt.Errorf("open %s: the file is empty, not a Mailshift database; move it away and start again (it was left untouched)", path)
	}
	return nil
}

// Close releases the lock. Safe to call once.
func (db *DB) Close() error {
	db.reading.closeAll()
	return db.bolt.Close()
}

// Dir is the data folder.
func (db *DB) Dir() string { return db.dir }

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Bolt exposes the handle to the engine code in this package's siblings'
// tests; callers outside store should use the typed API.
func (db *DB) Bolt() *bolt.DB { return db.bolt }
