package store

import (
	bolt "go.etcd.io/bbolt"
)

// Settings are this installation's preferences (not per project).
type Settings struct {
	Actor          string   `json:"actor,omitempty"`           // the user's name for the audit log
	MaxConnections int      `json:"max_connections,omitempty"` // default per server; 0 = engine default
	Resolvers      []string `json:"resolvers,omitempty"`       // propagation checks; empty = defaults
	NoKeychain     bool     `json:"no_keychain,omitempty"`     // protect passwords with a passphrase only
	Appearance     string   `json:"appearance,omitempty"`      // "", "light" or "dark" ("" follows the system)
}

// Settings returns the saved preferences (zero value when never saved).
func (db *DB) Settings() (Settings, error) {
	var s Settings
	err := db.bolt.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(keySettings)
		if raw == nil {
			return nil
		}
		return decode(raw, &s)
	})
	return s, err
}

// SaveSettings replaces the preferences.
func (db *DB) SaveSettings(s Settings) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketMeta), keySettings, s)
	})
}
