package domain

import (
	"strings"
	"testing"
)

// rcRev6Zone is the reverse zone of 2001:db8::/32, served with the IPv4
// reverse zone by ns.rev.example.
const rcRev6Zone = `$TTL 3600
@ SOA ns.rev.example. h.rev.example. 1 7200 900 1209600 300
@ NS ns.rev.example.
5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR mail.shop.example.
6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR mail.shop.example.
`

// rcPTRNet is the record-check internet with the IPv6 reverse zone
// delegated from the root and shop.example extended by records.
func rcPTRNet(t *testing.T, records, reverse4 string) *rcNet {
	t.Helper()
	n := rcStartNet(t, rcShop(t, records), "")
	root := serve(t, false, zoneOf(t, ".", rcRootZone+"8.b.d.0.1.0.0.2.ip6.arpa. NS ns.rev.example.\n"))
	n.cfg.Roots = []string{root.Addr}
	n.rcServe(t, "rev", "192.0.2.40", false, zoneOf(t, "100.51.198.in-addr.arpa.", reverse4), zoneOf(t, "8.b.d.0.1.0.0.2.ip6.arpa.", rcRev6Zone))
	return n
}

// An IPv6 sending address is confirmed by the name's AAAA record, even
// when the name has an A record too (only the A records used to be read,
// so every dual-stack server was "not pointing back"); one that is not
// asks for an AAAA record, not an A record.
func TestRecordCheckPTRIPv6(t *testing.T) {
	n := rcPTRNet(t, "mail AAAA 2001:db8::25\n", rcReverseZone)
	fs := n.rcRun(t, Request{Domain: "shop.example", OutboundIPs: []string{"2001:db8::25", "2001:db8::26", "198.51.100.25"}}).checkPTR(testCtx(t), nil)
	rcExpect(t, fs,
		rcWant{check: "ptr", sev: SeverityOK, summary: "2001:db8::25 has the reverse name mail.shop.example, which points back to it.",
			evidence: []string{"8.b.d.0.1.0.0.2.ip6.arpa 3600 PTR mail.shop.example. [ns.rev.example (192.0.2.40)]", "mail.shop.example — resolves to 2001:db8::25"}},
		rcWant{check: "ptr", sev: SeverityWarning, summary: "The reverse name of 2001:db8::26 is mail.shop.example, but that name does not point back to 2001:db8::26.",
			action: []string{"Add an AAAA record mail.shop.example → 2001:db8::26"}, evidence: []string{"mail.shop.example — resolves to 2001:db8::25"}},
		rcWant{check: "ptr", sev: SeverityOK, summary: "198.51.100.25 has the reverse name mail.shop.example, which points back to it.",
			evidence: []string{"mail.shop.example — resolves to 198.51.100.25"}})
}

// An address with two reverse names is confirmed by the one that points
// back, wherever it is in the answer.
func TestRecordCheckPTRSecondNamePointsBack(t *testing.T) {
	n := rcPTRNet(t, "", strings.Replace(rcReverseZone, "25 PTR", "25 PTR www.shop.example.\n25 PTR", 1))
	fs := n.rcRun(t, Request{Domain: "shop.example", OutboundIPs: []string{"198.51.100.25"}}).checkPTR(testCtx(t), nil)
	rcExpect(t, fs, rcWant{check: "ptr", sev: SeverityOK, summary: "198.51.100.25 has the reverse name mail.shop.example, which points back to it.",
		evidence: []string{"PTR www.shop.example.", "PTR mail.shop.example.", "mail.shop.example — resolves to 198.51.100.25"}})
	if ev := rcEvidence(fs[0]); strings.Index(ev, "PTR www.") > strings.Index(ev, "PTR mail.") {
		t.Errorf("the name that does not point back must come first in the answer:\n%s", ev)
	}
}

// The reverse name's own DNS fails: "could not be checked" with the cause,
// not "does not point back" (which would send the admin to fix a record
// that may well be right).
func TestRecordCheckPTRForwardLookupFails(t *testing.T) {
	n := rcPTRNet(t, "", rcReverseZone+"27 PTR mx.oldhost.example.\n")
	n.srv["oldhost"].setFault(faultServfail)
	fs := n.rcRun(t, Request{Domain: "shop.example", OutboundIPs: []string{"198.51.100.27"}}).checkPTR(testCtx(t), nil)
	rcExpect(t, fs, rcWant{check: "ptr", sev: SeverityWarning,
		summary:  "The reverse name of 198.51.100.27 is mx.oldhost.example, but whether it points back could not be checked: the name servers of oldhost.example replied SERVFAIL.",
		action:   []string{"Run the checks again later."},
		evidence: []string{"PTR mx.oldhost.example.", "mx.oldhost.example — could not be looked up: the name servers of oldhost.example replied SERVFAIL"}})
}
