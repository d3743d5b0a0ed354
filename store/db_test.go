package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenCreatesPrivateFolderAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, db.Path(): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s mode %o, want %o", path, got, want)
		}
	}
}

func TestSecondOpenSaysAlreadyOpenWithoutHanging(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := treeBytes(t, dir)
	start := time.Now()
	_, err = Open(dir, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrAlreadyOpen) {
		t.Fatalf("second open: %v, want ErrAlreadyOpen", err)
	}
	if after := treeBytes(t, dir); after != before {
		t.Errorf("the refused open wrote to the data folder:\n%s\nnow:\n%s", before, after)
	}
	if !strings.Contains(err.Error(), "already open by another Mailshift") {
		t.Errorf("message %q does not say it plainly", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second open took %v", d)
	}
}

// treeBytes lists every file under dir with its mode and content, as text
// to compare.
func treeBytes(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b.WriteString(path + " " + info.Mode().String())
		if !d.IsDir() {
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b.WriteString(" " + strconv.Itoa(len(raw)) + " " + fmt.Sprintf("%x", sha256.Sum256(raw)))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestForeignAndCorruptFilesAreRefusedAndLeftUntouched(t *testing.T) {
	cases := map[string]func(path string) error{
		"random bytes": func(p string) error { return os.WriteFile(p, bytes.Repeat([]byte("not a database "), 2000), 0o600) },
		"empty file":   func(p string) error { return os.WriteFile(p, nil, 0o600) },
		"other program's bbolt": func(p string) error {
			b, err := bolt.Open(p, 0o600, nil)
			if err != nil {
				return err
			}
			defer b.Close()
			return b.Update(func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("widgets"))
				return err
			})
		},
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := make(path); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(path)
			_, err := Open(dir, Options{LockTimeout: 100 * time.Millisecond})
			if err == nil {
				t.Fatal("opened a file that is not a Mailshift database")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the file was modified")
			}
		})
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, u32bytes(SchemaVersion()+1))
	})
	db.Close()
	_, err = Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer Mailshift") {
		t.Fatalf("open of a newer schema: %v", err)
	}
}

// A test per migration: each one applied to the state its predecessor left.
func TestMigrationV1CreatesTheTree(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	db := &DB{bolt: b, path: path}
	if err := db.migrate(); err != nil {
		t.Fatal(err)
	}
	b.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketProjects, bucketMail} {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		if v, _ := readSchema(tx, path); v != SchemaVersion() {
			t.Errorf("schema %d after migrating a new file", v)
		}
		return nil
	})
	// Running the migrations again is a no-op.
	if err := db.migrate(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationsAreOrderedAndContiguous(t *testing.T) {
	for i, m := range migrations {
		if m.version != uint32(i+1) {
			t.Fatalf("migration %d has version %d", i, m.version)
		}
	}
}
