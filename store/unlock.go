package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/zalando/go-keyring"
	bolt "go.etcd.io/bbolt"
)

// Keychain is the OS credential store. SystemKeychain is the real one;
// tests inject a fake or an unavailable one.
type Keychain interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
}

// SystemKeychain uses the platform keychain (Windows Credential Manager,
// macOS Keychain, Secret Service on Linux), bounded by a timeout because a
// Linux session without a Secret Service can otherwise stall on D-Bus.
type SystemKeychain struct{ Timeout time.Duration }

func (k SystemKeychain) Get(service, user string) (string, error) {
	var out string
	err := k.bounded(func() (err error) { out, err = keyring.Get(service, user); return })
	return out, err
}

func (k SystemKeychain) Set(service, user, secret string) error {
	return k.bounded(func() error { return keyring.Set(service, user, secret) })
}

func (k SystemKeychain) bounded(f func() error) error {
	t := k.Timeout
	if t == 0 {
		t = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), t)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("the OS keychain did not answer")
	}
}

const keychainService = "Mailshift"

// Unlock says how to obtain the secrets key.
type Unlock struct {
	Keychain   Keychain // nil: no keychain (passphrase only)
	Passphrase []byte   // used when the folder is passphrase-protected, or to set it up
}

// SealMethod is how a data folder's key is kept.
type SealMethod string

const (
	SealKeychain   SealMethod = "keychain"
	SealPassphrase SealMethod = "passphrase"
)

type sealParams struct {
	Method       SealMethod `json:"method"`
	KeychainUser string     `json:"keychain_user,omitempty"`
	KDF          kdfParams  `json:"kdf,omitempty"`
	Check        []byte     `json:"check"` // sealed known text: proves the key
}

const sealCheckText = "mailshift key check"

// UnlockSecrets makes sealed passwords usable. On first use it keeps a new
// random key in the OS keychain; when the keychain is unavailable it derives
// the key from u.Passphrase with argon2id (ErrPassphraseNeeded when none is
// given — the caller says so plainly and asks for one). It returns the
// method in force and, when the keychain was tried and failed, why.
func (db *DB) UnlockSecrets(u Unlock) (SealMethod, error) {
	var params *sealParams
	err := db.bolt.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(keySeal)
		if raw == nil {
			return nil
		}
		params = new(sealParams)
		return decode(raw, params)
	})
	if err != nil {
		return "", fmt.Errorf("read key settings: %w", err)
	}
	if params == nil {
		return db.setUpSecrets(u)
	}
	var key []byte
	switch params.Method {
	case SealKeychain:
		if u.Keychain == nil {
			return params.Method, errors.New("saved passwords are protected by the OS keychain, which is not available here")
		}
		enc, err := u.Keychain.Get(keychainService, params.KeychainUser)
		if err != nil {
			return params.Method, fmt.Errorf("read the key from the OS keychain: %w", err)
		}
		if key, err = base64.StdEncoding.DecodeString(enc); err != nil {
			return params.Method, errors.New("the key in the OS keychain is damaged")
		}
	case SealPassphrase:
		if key, err = params.KDF.derive(u.Passphrase); err != nil {
			return params.Method, err
		}
	default:
		return "", fmt.Errorf("unknown key method %q in %s", params.Method, db.path)
	}
	s := &sealer{key: key}
	if got, err := s.open("check", params.Check); err != nil || string(got) != sealCheckText {
		if params.Method == SealPassphrase {
			return params.Method, ErrWrongPassphrase
		}
		return params.Method, errors.New("the key in the OS keychain does not open this data folder")
	}
	db.seal = s
	return params.Method, nil
}

// KeychainError explains why a folder fell back to a passphrase.
type KeychainError struct{ Err error }

func (e *KeychainError) Error() string {
	return fmt.Sprintf("the OS keychain is not available (%v), so saved passwords are protected by a passphrase instead", e.Err)
}

func (db *DB) setUpSecrets(u Unlock) (SealMethod, error) {
	p := sealParams{}
	var key []byte
	var keychainErr error
	if u.Keychain != nil {
		key = make([]byte, keySize)
		if _, err := rand.Read(key); err != nil {
			return "", err
		}
		user := "data-" + base64.RawURLEncoding.EncodeToString(key[:6]) // a name, not key material that matters
		keychainErr = u.Keychain.Set(keychainService, user, base64.StdEncoding.EncodeToString(key))
		if keychainErr == nil {
			p.Method, p.KeychainUser = SealKeychain, user
		}
	}
	if p.Method == "" {
		if len(u.Passphrase) == 0 {
			if keychainErr != nil {
				return "", fmt.Errorf("%w: %v", ErrPassphraseNeeded, &KeychainError{keychainErr})
			}
			return "", ErrPassphraseNeeded
		}
		kdf, err := newKDFParams()
		if err != nil {
			return "", err
		}
		if key, err = kdf.derive(u.Passphrase); err != nil {
			return "", err
		}
		p.Method, p.KDF = SealPassphrase, kdf
	}
	s := &sealer{key: key}
	check, err := s.seal("check", []byte(sealCheckText))
	if err != nil {
		return "", err
	}
	p.Check = check
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(keySeal) != nil {
			return errors.New("key settings appeared while setting them up; open the folder again")
		}
		return putJSON(tx.Bucket(bucketMeta), keySeal, p)
	})
	if err != nil {
		return "", err
	}
	db.seal = s
	if keychainErr != nil {
		return p.Method, &KeychainError{keychainErr}
	}
	return p.Method, nil
}

// SecretsUnlocked reports whether passwords can be sealed and opened.
func (db *DB) SecretsUnlocked() bool { return db.seal != nil }
