package testenv

import (
	"fmt"
	"path/filepath"
	"strings"
)

// dovecotConf writes a self-contained dovecot.conf for one instance.
func dovecotConf(d *Dovecot, o DovecotOptions, acct account, ports []int) string {
	dir := d.dir
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("base_dir = %s", filepath.Join(dir, "run"))
	w("state_dir = %s", filepath.Join(dir, "state"))
	w("log_path = %s", filepath.Join(dir, "log", "dovecot.log"))
	w("instance_name = mailshift-test-%d", ports[0])
	w("listen = 127.0.0.1")
	w("protocols = imap")
	w("disable_plaintext_auth = no")
	w("auth_mechanisms = plain login")
	w("first_valid_uid = 100")
	w("first_valid_gid = 100")
	if acct.uid < 100 {
		w("first_valid_uid = %d", acct.uid)
		w("first_valid_gid = %d", acct.gid)
	}
	internal, login := "dovecot", "dovenull"
	if acct.uid != 0 && acct.name != mailUser { // not root: everything runs as us
		internal, login = acct.name, acct.name
	}
	w("default_internal_user = %s", internal)
	w("default_login_user = %s", login)
	w("mail_uid = %d", acct.uid)
	w("mail_gid = %d", acct.gid)
	layout := ""
	if o.Separator == "/" {
		layout = ":LAYOUT=fs" // lets '.' appear inside folder names
	}
	w("mail_location = maildir:%s/%%u%s", filepath.Join(dir, "mail"), layout)
	w("mail_fsync = never") // test data: speed over durability
	w("maildir_very_dirty_syncs = yes")
	w("passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%%u %s\n}", filepath.Join(dir, "passwd"))
	w("userdb {\n  driver = static\n  args = uid=%d gid=%d home=%s/%%u\n}", acct.uid, acct.gid, filepath.Join(dir, "mail"))
	w("namespace inbox {\n  inbox = yes\n  separator = %s\n  prefix = %s", o.Separator, o.Prefix)
	for _, su := range [][2]string{{"Sent", `\Sent`}, {"Drafts", `\Drafts`}, {"Junk", `\Junk`}, {"Trash", `\Trash`}, {"Archive", `\Archive`}} {
		w("  mailbox %s {\n    special_use = %s\n  }", su[0], su[1])
	}
	w("}")
	if o.TLS {
		w("ssl = yes")
		w("ssl_cert = <%s", filepath.Join(dir, "cert.pem"))
		w("ssl_key = <%s", filepath.Join(dir, "key.pem"))
	} else {
		w("ssl = no")
	}
	w("service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = %d\n  }", ports[0])
	if o.TLS {
		w("  inet_listener imaps {\n    address = 127.0.0.1\n    port = %d\n    ssl = yes\n  }", ports[1])
	} else {
		w("  inet_listener imaps {\n    port = 0\n  }")
	}
	w("}")
	w("service pop3-login {\n  inet_listener pop3 {\n    port = 0\n  }\n  inet_listener pop3s {\n    port = 0\n  }\n}")
	w("service submission-login {\n  inet_listener submission {\n    port = 0\n  }\n}")
	w("service lmtp {\n  unix_listener lmtp {\n    mode = 0600\n  }\n}")
	w("service doveadm {\n  inet_listener {\n    port = 0\n  }\n}")
	plugins := ""
	quota := o.QuotaBytes > 0 || o.MaxMailBytes > 0
	if quota {
		plugins = "quota"
		w("plugin {\n  quota = count:User quota\n  quota_vsizes = yes")
		if o.QuotaBytes > 0 {
			w("  quota_rule = *:storage=%dB", o.QuotaBytes)
		}
		if o.MaxMailBytes > 0 {
			w("  quota_max_mail_size = %d", o.MaxMailBytes)
		}
		w("}")
	}
	w("mail_plugins = $mail_plugins %s", plugins)
	w("protocol imap {")
	if quota {
		w("  mail_plugins = $mail_plugins imap_quota")
	}
	if o.MaxUserIPConnections > 0 {
		w("  mail_max_userip_connections = %d", o.MaxUserIPConnections)
	}
	if o.AppendLimit > 0 {
		w("  imap_capability = +APPENDLIMIT=%d", o.AppendLimit)
	}
	w("}")
	return b.String()
}
