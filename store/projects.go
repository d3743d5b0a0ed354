package store

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound is returned (wrapped) when a project, mailbox or record is absent.
var ErrNotFound = errors.New("not found")

// Security is how a server connection is protected.
type Security string

const (
	SecurityTLS      Security = "tls"      // implicit TLS (IMAPS, 993)
	SecuritySTARTTLS Security = "starttls" // upgrade on 143
	SecurityPlain    Security = "plain"    // only when AllowPlaintext is set
)

// Server is one IMAP endpoint's settings. It never holds a password.
type Server struct {
	Host           string   `json:"host"`
	Port           int      `json:"port"`
	Security       Security `json:"security"`
	PinSHA256      string   `json:"pin_sha256,omitempty"` // trusted self-signed certificate
	AllowPlaintext bool     `json:"allow_plaintext,omitempty"`
	MaxConnections int      `json:"max_connections,omitempty"` // 0 = engine default
}

// Project is one customer's migration.
type Project struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Domain      string    `json:"domain"`
	Source      Server    `json:"source"`
	Destination Server    `json:"destination"`
	Profile     string    `json:"profile"` // destination profile: generic, m365, gmail
	CutoverAt   time.Time `json:"cutover_at,omitempty"`
	Demo        bool      `json:"demo,omitempty"`
	Created     time.Time `json:"created"`
}

var slugJunk = regexp.MustCompile(`[^a-z0-9]+`)

// Slug turns a project name into an ID: lower-case ASCII words joined by '-'.
func Slug(name string) string {
	s := strings.Trim(slugJunk.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	return s
}

// CreateProject stores a new project; its ID is derived from the name and
// must be unused. The project's sub-buckets are created with it.
func (db *DB) CreateProject(p Project) (Project, error) {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return p, errors.New("a project needs a name")
	}
	if p.ID == "" {
		p.ID = Slug(p.Name)
	}
	if p.ID == "" {
		return p, fmt.Errorf("project name %q needs at least one letter or digit", p.Name)
	}
	if p.Created.IsZero() {
		p.Created = time.Now().UTC()
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketProjects)
		if root.Bucket([]byte(p.ID)) != nil {
			return fmt.Errorf("a project named %q already exists; pick another name", p.Name)
		}
		pb, err := root.CreateBucket([]byte(p.ID))
		if err != nil {
			return err
		}
		for _, sub := range projectSubtrees {
			if _, err := pb.CreateBucket(sub); err != nil {
				return err
			}
		}
		return putJSON(pb, keyInfo, p)
	})
	return p, err
}

// UpdateProject replaces a project's settings (not its mailboxes or log).
func (db *DB) UpdateProject(p Project) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, p.ID)
		if err != nil {
			return err
		}
		return putJSON(pb, keyInfo, p)
	})
}

// Project loads one project by ID.
func (db *DB) Project(id string) (Project, error) {
	var p Project
	err := db.bolt.View(func(tx *bolt.Tx) error {
		pb, err := projectBucket(tx, id)
		if err != nil {
			return err
		}
		return decode(pb.Get(keyInfo), &p)
	})
	return p, err
}

// Projects lists every project, ordered by ID.
func (db *DB) Projects() ([]Project, error) {
	var out []Project
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketProjects).ForEachBucket(func(k []byte) error {
			var p Project
			if err := decode(tx.Bucket(bucketProjects).Bucket(k).Get(keyInfo), &p); err != nil {
				return fmt.Errorf("project %s: %w", k, err)
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

func projectBucket(tx *bolt.Tx, id string) (*bolt.Bucket, error) {
	pb := tx.Bucket(bucketProjects).Bucket([]byte(id))
	if pb == nil {
		return nil, fmt.Errorf("project %q: %w", id, ErrNotFound)
	}
	return pb, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := encode(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}
