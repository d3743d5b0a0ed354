package domain

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TXT text comes back from the wire as bytes, not as miekg/dns's
// presentation escapes: a tab, a quote, a backslash and UTF-8 survive a
// real pack/unpack round trip.
func TestTXTStringsAreWireBytes(t *testing.T) {
	want := "v=DMARC1; p=none; rua=mailto:dmarc@exämple.test\t\"q\" \\ end"
	m := new(dns.Msg)
	m.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: "x.test.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
		Txt: []string{strings.ReplaceAll(strings.ReplaceAll(want, `\`, `\\`), `"`, `\"`)}}}
	wire, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	var back dns.Msg
	if err := back.Unpack(wire); err != nil {
		t.Fatal(err)
	}
	if raw := back.Answer[0].(*dns.TXT).Txt[0]; !strings.Contains(raw, `\009`) {
		t.Fatalf("premise: miekg/dns should escape the tab, got %q", raw)
	}
	if got := txtStrings(back.Answer); len(got) != 1 || got[0] != want {
		t.Fatalf("txtStrings = %q, want %q", got, want)
	}
}

func TestUnescapeTXT(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:             "plain",
		`a\009b`:            "a\tb",
		`\"q\"`:             `"q"`,
		`back\\slash`:       `back\slash`,
		`\195\169t\195\169`: "été",
		`\999x`:             "999x", // not a byte: the backslash escapes the '9'
		`end\`:              `end\`,
	} {
		if got := unescapeTXT(in); got != want {
			t.Errorf("unescapeTXT(%q) = %q, want %q", in, got, want)
		}
	}
}

// An SPF term with a non-ASCII name is named in the summary as the admin
// typed it, not as `\195\173` escapes (the evidence keeps the record in
// DNS presentation form, as dig prints it).
func TestRecordCheckSPFShowsNonASCIITermAsTyped(t *testing.T) {
	fs := rcSPF(t, `@ TXT "v=spf1 include:spf.protection.outlook.com exíst -all"`+"\n")
	rcExpect(t, fs, rcWant{check: "spf", sev: SeverityWarning,
		summary: `The SPF record has a syntax error, so receivers ignore it: term "exíst": unknown mechanism "exíst".`})
}
