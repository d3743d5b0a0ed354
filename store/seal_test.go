package store

import (
	"bytes"
	"errors"
	"os"
	"testing"

	bolt "go.etcd.io/bbolt"
)

type fakeKeychain struct {
	items map[string]string
	err   error
}

func (k *fakeKeychain) Get(s, u string) (string, error) {
	if k.err != nil {
		return "", k.err
	}
	v, ok := k.items[s+"/"+u]
	if !ok {
		return "", errors.New("not in keychain")
	}
	return v, nil
}

func (k *fakeKeychain) Set(s, u, v string) error {
	if k.err != nil {
		return k.err
	}
	k.items[s+"/"+u] = v
	return nil
}

const canary = "Canary-Pa55word-7f3a"

func TestSecretsSealedWithKeychainKeyNeverInPlainText(t *testing.T) {
	dir := t.TempDir()
	kc := &fakeKeychain{items: map[string]string{}}
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := db.UnlockSecrets(Unlock{Keychain: kc}); err != nil || m != SealKeychain {
		t.Fatalf("unlock: %v %v", m, err)
	}
	db.CreateProject(Project{Name: "p"})
	if err := db.SetSecret("p", "source:a", []byte(canary)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, _ := os.ReadFile(dir + "/" + FileName)
	if bytes.Contains(raw, []byte(canary)) {
		t.Fatal("the password is in the database file in plain text")
	}
	db, _ = Open(dir, Options{})
	defer db.Close()
	if _, err := db.Secret("p", "source:a"); !errors.Is(err, ErrSecretsLocked) {
		t.Fatalf("before unlock: %v", err)
	}
	if _, err := db.UnlockSecrets(Unlock{Keychain: kc}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Secret("p", "source:a")
	if err != nil || string(got) != canary {
		t.Fatalf("got %q %v", got, err)
	}
}

func TestKeychainUnavailableFallsBackToPassphrasePlainly(t *testing.T) {
	db := openTemp(t)
	broken := &fakeKeychain{err: errors.New("no secret service")}
	_, err := db.UnlockSecrets(Unlock{Keychain: broken})
	if !errors.Is(err, ErrPassphraseNeeded) {
		t.Fatalf("no passphrase: %v", err)
	}
	m, err := db.UnlockSecrets(Unlock{Keychain: broken, Passphrase: []byte("pass phrase")})
	var kerr *KeychainError
	if m != SealPassphrase || !errors.As(err, &kerr) {
		t.Fatalf("fallback: %v %v", m, err)
	}
	if !db.SecretsUnlocked() {
		t.Fatal("fallback did not unlock")
	}
}

func TestWrongPassphraseAndTamperingAreDetected(t *testing.T) {
	dir := t.TempDir()
	db, _ := Open(dir, Options{})
	db.UnlockSecrets(Unlock{Passphrase: []byte("right")})
	db.CreateProject(Project{Name: "p"})
	db.SetSecret("p", "source:a", []byte(canary))
	db.SetSecret("p", "source:b", []byte("other"))
	db.Close()

	db, _ = Open(dir, Options{})
	defer db.Close()
	if _, err := db.UnlockSecrets(Unlock{Passphrase: []byte("wrong")}); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := db.UnlockSecrets(Unlock{Passphrase: []byte("right")}); err != nil {
		t.Fatal(err)
	}
	// Flip every byte position in turn: each must be detected.
	var sealed []byte
	db.bolt.View(func(tx *bolt.Tx) error {
		sealed = append(sealed, tx.Bucket(bucketProjects).Bucket([]byte("p")).Bucket(bucketSecrets).Get([]byte("source:a"))...)
		return nil
	})
	s := db.seal
	for i := range sealed {
		bad := append([]byte(nil), sealed...)
		bad[i] ^= 0x01
		if _, err := s.open(secretAAD("p", "source:a"), bad); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	// A sealed value moved to another slot does not open.
	if _, err := s.open(secretAAD("p", "source:b"), sealed); err == nil {
		t.Fatal("a secret moved to another slot opened")
	}
}
