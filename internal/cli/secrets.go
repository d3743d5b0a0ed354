package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"mailshift/app"
	"mailshift/store"
)

// readSecretFile reads a password or passphrase from a file, dropping one
// trailing newline. The value is never echoed.
func readSecretFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the password file: %w", err)
	}
	b = []byte(strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"))
	if len(b) == 0 {
		return nil, fmt.Errorf("the password file %s is empty", path)
	}
	return b, nil
}

// unlockSecrets makes saved passwords usable: the OS keychain unless
// MAILSHIFT_KEYCHAIN=off, else the passphrase from passphraseFile or
// MAILSHIFT_PASSPHRASE. The CLI never prompts.
func unlockSecrets(ctx context.Context, env *Env, a *app.App, passphraseFile string) error {
	var pass []byte
	if passphraseFile != "" {
		b, err := readSecretFile(passphraseFile)
		if err != nil {
			return err
		}
		pass = b
	} else if v := env.Getenv("MAILSHIFT_PASSPHRASE"); v != "" {
		pass = []byte(v)
	}
	useKeychain := !strings.EqualFold(env.Getenv("MAILSHIFT_KEYCHAIN"), "off")
	note, err := a.UnlockSecrets(ctx, pass, useKeychain)
	if errors.Is(err, store.ErrPassphraseNeeded) {
		return fmt.Errorf("%v; set MAILSHIFT_PASSPHRASE or pass --passphrase-file FILE", err)
	}
	if err != nil {
		return err
	}
	if strings.Contains(note, "not available") {
		fmt.Fprintln(env.Stderr, note)
	}
	return nil
}
