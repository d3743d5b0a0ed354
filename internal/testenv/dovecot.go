// Package testenv starts real servers for tests: Dovecot IMAP instances on
// 127.0.0.1 high ports, each with its own directories, users, hierarchy
// separator and namespace prefix, and go-imap's in-memory server for fast
// tests. It stops only the processes it started.
//
// When Dovecot is not installed the calling test FAILS with an install hint:
// `make test` installs it, and a silent skip would hide missing coverage.
package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// DovecotOptions choose an instance's shape. The zero value is a plaintext
// server with separator "/" and no prefix and one user.
type DovecotOptions struct {
	Separator string            // "/" (default) or "."
	Prefix    string            // "" or "INBOX."
	Users     map[string]string // login -> password; default {"alice": "alice-Pw-1"}
	TLS       bool              // also an IMAPS port, and STARTTLS on the plain one
	// MaxUserIPConnections caps connections per user and IP (0 = Dovecot's default, 10).
	MaxUserIPConnections int
	// QuotaBytes rejects appends beyond this storage per user (0 = none).
	QuotaBytes int64
	// MaxMailBytes refuses any one message over this size on APPEND
	// (the quota plugin's quota_max_mail_size; 0 = none): a real
	// per-message refusal for tests of the push's rejections.
	MaxMailBytes int64
	// AppendLimit advertises APPENDLIMIT=N (RFC 7889) after login. Dovecot
	// 2.3 enforces a size (MaxMailBytes) without advertising it; this is
	// how a server that does is made (imap_capability adds the word).
	AppendLimit int64
	// InMemory keeps the server's files (its mail among them) on tmpfs
	// (/dev/shm) where there is one. For benchmarks: the server stands in
	// for a remote host, and on a journal-less ext4 (this project's VMs)
	// creating files within minutes of deleting many is slow in the kernel
	// (ext4 skips recently deleted inodes one by one: perf showed 5 of a
	// push's 6 CPU-s in find_inode_bit and recently_deleted), which made a
	// destination's ingest swing threefold with what ran before.
	InMemory bool
}

// Dovecot is one running instance.
type Dovecot struct {
	Addr      string // plain (and STARTTLS when TLS) port: 127.0.0.1:N
	TLSAddr   string // IMAPS port when TLS: 127.0.0.1:N
	Separator string
	Prefix    string
	Users     map[string]string
	Cert      *Cert // the server's self-signed certificate when TLS

	dir        string
	conf       string
	maildirSeq atomic.Int64 // LoadMaildir's file numbering
	cmd        *exec.Cmd
	exited     chan error
	stopOnce   gosync.Once
}

// DefaultUser and DefaultPassword are the login of an instance started
// without Users.
const (
	DefaultUser     = "alice"
	DefaultPassword = "alice-Pw-1"
)

// RequireDovecot fails the test, with the install hint, when Dovecot is missing.
func RequireDovecot(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"dovecot", "doveadm"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is not installed: install dovecot-imapd (`make test` does this on Debian/Ubuntu)", bin)
		}
	}
}

// StartDovecot starts an instance for the test and stops it at cleanup.
func StartDovecot(t testing.TB, opts DovecotOptions) *Dovecot {
	t.Helper()
	RequireDovecot(t)
	d, err := startDovecot(opts)
	if err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	t.Cleanup(d.Stop)
	return d
}

// Start starts an instance outside a test (the benchmark program); the
// caller must call Stop. It fails with the install hint when Dovecot is
// missing.
func Start(opts DovecotOptions) (*Dovecot, error) {
	for _, bin := range []string{"dovecot", "doveadm"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("%s is not installed: install dovecot-imapd (`make test` does this on Debian/Ubuntu)", bin)
		}
	}
	d, err := startDovecot(opts)
	if err == nil {
		remember(d)
	}
	return d, err
}

func startDovecot(opts DovecotOptions) (*Dovecot, error) {
	if opts.Separator == "" {
		opts.Separator = "/"
	}
	if opts.Users == nil {
		opts.Users = map[string]string{DefaultUser: DefaultPassword}
	}
	dir, err := os.MkdirTemp(serverTempRoot(opts.InMemory), "mailshift-dovecot-")
	if err != nil {
		return nil, err
	}
	d := &Dovecot{Separator: opts.Separator, Prefix: opts.Prefix, Users: opts.Users, dir: dir, conf: filepath.Join(dir, "dovecot.conf")}
	fail := func(err error) (*Dovecot, error) {
		d.Stop()
		return nil, err
	}
	// The mail processes run as another user and must reach the folder.
	if err := os.Chmod(dir, 0o711); err != nil {
		return fail(err)
	}
	acct, err := mailAccount()
	if err != nil {
		return fail(err)
	}
	for _, sub := range []string{"run", "state", "log", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fail(err)
		}
	}
	if err := os.Chown(filepath.Join(dir, "mail"), acct.uid, acct.gid); err != nil && os.Geteuid() == 0 {
		return fail(err)
	}
	var passwd bytes.Buffer
	for u, pw := range opts.Users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s::::::\n", u, pw)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), passwd.Bytes(), 0o644); err != nil {
		return fail(err)
	}
	ports, err := freePorts(2)
	if err != nil {
		return fail(err)
	}
	d.Addr = "127.0.0.1:" + strconv.Itoa(ports[0])
	if opts.TLS {
		d.TLSAddr = "127.0.0.1:" + strconv.Itoa(ports[1])
		if d.Cert, err = NewCert("127.0.0.1", "localhost"); err != nil {
			return fail(err)
		}
		if err := d.Cert.WriteFiles(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")); err != nil {
			return fail(err)
		}
	}
	if err := os.WriteFile(d.conf, []byte(dovecotConf(d, opts, acct, ports)), 0o644); err != nil {
		return fail(err)
	}
	d.cmd = exec.Command("dovecot", "-F", "-c", d.conf)
	dieWithTest(d.cmd)
	logf, err := os.Create(filepath.Join(dir, "log", "master.out"))
	if err != nil {
		return fail(err)
	}
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		return fail(fmt.Errorf("run dovecot: %w", err))
	}
	d.exited = make(chan error, 1)
	go func() { d.exited <- d.cmd.Wait(); logf.Close() }()
	if err := waitGreeting(d.Addr, d.exited, 15*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log", "master.out"))
		log2, _ := os.ReadFile(filepath.Join(dir, "log", "dovecot.log"))
		return fail(fmt.Errorf("%w\n%s\n%s", err, log, log2))
	}
	return d, nil
}

type account struct {
	name     string
	uid, gid int
}

// mailUser is the system account that owns test mail when running as root.
const mailUser = "mailshift-test"

// mailAccount returns the account mail belongs to: a dedicated system user
// when root (created once if missing), else the current user.
func mailAccount() (account, error) {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return account{}, err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return account{u.Username, uid, gid}, nil
	}
	u, err := user.Lookup(mailUser)
	if err != nil {
		out, cerr := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", mailUser).CombinedOutput()
		if cerr != nil && !strings.Contains(string(out), "already exists") {
			return account{}, fmt.Errorf("create system user %s: %v: %s", mailUser, cerr, out)
		}
		if u, err = user.Lookup(mailUser); err != nil {
			return account{}, err
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return account{u.Username, uid, gid}, nil
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitGreeting(addr string, exited chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err // for Stop
			return fmt.Errorf("dovecot exited at start: %v", err)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 64)
			n, _ := c.Read(buf)
			c.Close()
			if bytes.HasPrefix(buf[:n], []byte("* OK")) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("dovecot did not greet within " + limit.String())
}

// Stop ends the instance (only the master this package started, which
// takes its children with it) and removes its directory. Safe to call
// twice, and from two goroutines (a second call waits for the first).
func (d *Dovecot) Stop() {
	d.stopOnce.Do(d.stop)
	forget(d)
}

func (d *Dovecot) stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(8 * time.Second):
			d.cmd.Process.Kill()
			<-d.exited
		}
		d.cmd = nil
	}
	if d.dir != "" {
		os.RemoveAll(d.dir)
		d.dir = ""
	}
}

// Doveadm runs a doveadm command against this instance.
func (d *Dovecot) Doveadm(args ...string) (string, error) {
	out, err := exec.Command("doveadm", append([]string{"-c", d.conf}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("doveadm %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// MustDoveadm runs a doveadm command or fails the test.
func (d *Dovecot) MustDoveadm(t testing.TB, args ...string) string {
	t.Helper()
	out, err := d.Doveadm(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Mailbox turns a '/'-separated folder path into this server's name
// (separator and prefix applied; INBOX itself has no prefix).
func (d *Dovecot) Mailbox(path string) string {
	if strings.EqualFold(path, "INBOX") {
		return "INBOX"
	}
	return d.Prefix + strings.ReplaceAll(path, "/", d.Separator)
}

// serverTempRoot is where a server's folder is made: the default temporary
// folder, or /dev/shm when inMemory and it is a writable folder.
func serverTempRoot(inMemory bool) string {
	const shm = "/dev/shm"
	if !inMemory {
		return ""
	}
	if st, err := os.Stat(shm); err != nil || !st.IsDir() || unix.Access(shm, unix.W_OK) != nil {
		return ""
	}
	return shm
}
