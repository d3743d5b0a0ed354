package store

import (
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// ErrSecretsLocked means a password must be sealed or opened before
// UnlockSecrets has succeeded.
var ErrSecretsLocked = errors.New("saved passwords are locked: unlock them with the passphrase first")

// ErrPassphraseNeeded means the key cannot come from the OS keychain and no
// passphrase was given.
var ErrPassphraseNeeded = errors.New("a passphrase is needed to protect saved passwords")

// ErrWrongPassphrase means the passphrase does not open this data folder.
var ErrWrongPassphrase = errors.New("the passphrase does not match the one this data folder was set up with")

// sealer seals small secrets with XChaCha20-Poly1305. The associated data
// names the secret's slot, so a sealed value moved to another slot (or any
// flipped byte) fails to open.
type sealer struct{ key []byte }

const keySize = chacha20poly1305.KeySize

func (s *sealer) seal(aad string, plaintext []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(s.key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plaintext, []byte(aad)), nil
}

func (s *sealer) open(aad string, sealed []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(s.key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("sealed value is truncated")
	}
	n := aead.NonceSize()
	out, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		return nil, errors.New("sealed value failed its integrity check (tampered or damaged)")
	}
	return out, nil
}

// argon2id parameters (RFC 9106 "second recommended" option, 64 MiB).
type kdfParams struct {
	Salt    []byte `json:"salt"`
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory_kib"`
	Threads uint8  `json:"threads"`
}

func newKDFParams() (kdfParams, error) {
	p := kdfParams{Salt: make([]byte, 16), Time: 3, Memory: 64 * 1024, Threads: 2}
	_, err := rand.Read(p.Salt)
	return p, err
}

func (p kdfParams) derive(passphrase []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, ErrPassphraseNeeded
	}
	if p.Time == 0 || p.Memory == 0 || p.Threads == 0 || len(p.Salt) < 16 {
		return nil, fmt.Errorf("key derivation settings are damaged")
	}
	return argon2.IDKey(passphrase, p.Salt, p.Time, p.Memory, p.Threads, keySize), nil
}
