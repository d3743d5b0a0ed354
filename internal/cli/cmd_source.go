package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"mailshift/app"
	"mailshift/sync"
)

// serverFlags are the connection flags shared by test-connection,
// inventory and pull, which take the server as a URL argument
// (imaps://host:993, imap+starttls://host, imap://host).
type serverFlags struct {
	user, passwordFile, pin string
	allowPlaintext          bool
	timeout                 time.Duration
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.user, "user", "", "login name on the server")
	fs.StringVar(&f.passwordFile, "password-file", "", "file holding the password (else $MAILSHIFT_PASSWORD)")
	fs.StringVar(&f.pin, "pin", "", "SHA-256 fingerprint of a self-signed certificate to trust for this server")
	fs.BoolVar(&f.allowPlaintext, "allow-plaintext", false, "allow imap:// (password sent unencrypted) for this server")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "limit for connecting and for each command")
}

const serverURLHelp = "SERVER is imaps://host[:993], imap+starttls://host[:143] or imap://host[:143]\n" +
	"(plaintext only with --allow-plaintext). The password comes from --password-file\n" +
	"or MAILSHIFT_PASSWORD, never from the command line."

// endpoint builds the engine endpoint from the URL and flags.
func (f *serverFlags) endpoint(env *Env, url string) (sync.Endpoint, error) {
	if url == "" {
		return sync.Endpoint{}, usageError("give the server, e.g. imaps://mail.oldhost.com:993")
	}
	if f.user == "" {
		return sync.Endpoint{}, usageError("give --user")
	}
	srv, err := app.ParseServer(url, f.allowPlaintext)
	if err != nil {
		return sync.Endpoint{}, usageError("%v", err)
	}
	srv.PinSHA256 = f.pin
	var pw []byte
	switch {
	case f.passwordFile != "":
		if pw, err = readSecretFile(f.passwordFile); err != nil {
			return sync.Endpoint{}, err
		}
	case env.Getenv("MAILSHIFT_PASSWORD") != "":
		pw = []byte(env.Getenv("MAILSHIFT_PASSWORD"))
	default:
		return sync.Endpoint{}, usageError("give --password-file FILE or set MAILSHIFT_PASSWORD")
	}
	return sync.Endpoint{Server: srv, Username: f.user, Password: pw, DialTimeout: f.timeout, CommandTimeout: f.timeout}, nil
}

// parseWithServer parses args whose first positional is the server URL.
func parseWithServer(fs *flag.FlagSet, args []string) (string, error) {
	url, rest := splitPositional(args)
	if err := parseFlags(fs, rest); err != nil {
		return "", err
	}
	if url == "" && fs.NArg() > 0 {
		url = fs.Arg(0)
	}
	return url, nil
}

// directProject is the store namespace of pulls given by URL rather than
// through a project.
const directProject = "direct"

func testConnectionCommand() Command {
	return Command{
		Name:    "test-connection",
		Summary: "log in to an IMAP server and show its certificate, capabilities and folders",
		Run: func(ctx context.Context, env *Env, args []string) error {
			fs := NewFlagSet(env, "test-connection", "test-connection SERVER --user NAME [--password-file F] [--pin SHA256]\n"+serverURLHelp)
			var sf serverFlags
			sf.register(fs)
			url, err := parseWithServer(fs, args)
			if err != nil {
				return err
			}
			ep, err := sf.endpoint(env, url)
			if err != nil {
				return err
			}
			c, err := sync.Dial(ctx, ep)
			if err != nil {
				return withPinHint(err)
			}
			defer c.Close()
			info, err := c.Probe(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "OK: logged in to %s as %s\n", info.Server, ep.Username)
			if info.Fingerprint != "" {
				fmt.Fprintf(env.Stdout, "certificate SHA-256: %s\n", info.Fingerprint)
			}
			fmt.Fprintf(env.Stdout, "capabilities: %s\n", strings.Join(info.Capabilities, " "))
			fmt.Fprintf(env.Stdout, "separator %q, prefix %q, %d folder(s)\n", info.Separator, info.Prefix, len(info.Folders))
			return nil
		},
	}
}

// withPinHint adds to a certificate the system does not trust how to
// trust it on the command line: the engine's words say "pin it", which is
// --pin here.
func withPinHint(err error) error {
	var ce *sync.ConnError
	if errors.As(err, &ce) && ce.Kind == sync.KindTLS && ce.Fingerprint != "" {
		return fmt.Errorf("%w\nTo trust it once the host has confirmed the fingerprint, run again with --pin %s", err, ce.Fingerprint)
	}
	return err
}
