package report

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() Report {
	at := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	r := Report{
		Generated: at.Add(3 * time.Hour),
		Project:   Project{Name: "Demo Company", Domain: "demo-company.test", OldHost: "imaps://mail.oldhost.test:993", NewHost: "imaps://outlook.office365.com:993", Profile: "m365", Cutover: at},
		Steps: []Step{
			{Phase: 1, ID: "agree-terms", Title: "Agree terms", Owner: "Everyone", Status: "done", By: "Élodie Martin", At: at.Add(-72 * time.Hour)},
			{Phase: 1, ID: "domain-preflight", Title: "Domain pre-flight", Owner: "Provider", Status: "done", By: "Tess", At: at.Add(-48 * time.Hour), Override: true, Reason: "registrar confirmed the unlock"},
		},
		Timeline:   []Event{{Seq: 1, At: at.Add(-96 * time.Hour), Actor: "Tess", Kind: "project.created", Subject: "demo-company"}},
		AuditHead:  strings.Repeat("ab", 32),
		AuditCount: 1,
		AuditOK:    true,
		DNSBefore:  DNS{At: at.Add(-96 * time.Hour), Findings: []Finding{{"warning", "mx-ttl", "MX TTL is 86400 s", "Lower it to 300 s two days before"}}},
		DNSAfter:   DNS{At: at.Add(2 * time.Hour), Findings: []Finding{{"ok", "propagation", "8 of 8 resolvers see the new MX", ""}}},
		Mailboxes: []Mailbox{{Email: "ann@demo-company.test", Verdict: "all 98 messages are on the destination", Folders: []Folder{
			{Source: "INBOX", Destination: "Inbox", SourceCount: 40, Local: 40, OnDestination: 40},
			{Source: "Projects/Übersee", Destination: "Projects/Übersee", SourceCount: 6, Local: 6, OnDestination: 5, Skipped: 1},
		}}},
		Exceptions: []Exception{{Mailbox: "ann@demo-company.test", Folder: "Projects/Übersee", Message: "uid 6 (41 MB)", Reason: "over the destination's 35 MB limit"}},
		SignOff:    &SignOff{Customer: "Grzegorz Brzęczyszczykiewicz", Provider: "Tess", At: at.Add(3 * time.Hour)},
	}
	for i := 2; i < 120; i++ { // a long timeline spans pages
		r.Timeline = append(r.Timeline, Event{Seq: uint64(i), At: at, Actor: "mailshift", Kind: "check.passed", Subject: "propagation", Detail: "8 of 8 resolvers"})
	}
	r.AuditCount = len(r.Timeline)
	return r
}

func TestReportHTMLAndPDFCarryTheKeySections(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install poppler-utils (make test does this)", tool)
		}
	}
	dir := t.TempDir()
	htmlPath, pdfPath, err := Write(context.Background(), dir, "report", sample())
	if err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(htmlPath)
	out, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pdfText := string(out)
	for _, want := range []string{"Email migration report", "Demo Company", "Sign-off", "Grzegorz Brzęczyszczykiewicz",
		"Checklist", "Reconciliation", "Projects/Übersee", "Exceptions", "over the destination", "DNS before and after",
		"8 of 8 resolvers see the new MX", "Timeline (audit log)", "Hash chain intact", strings.Repeat("ab", 32)[:40]} {
		if !strings.Contains(string(html), want) {
			t.Errorf("HTML lacks %q", want)
		}
		if !strings.Contains(strings.Join(strings.Fields(pdfText), " "), want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// Render page 1 to PNG as a person would see it, and check it has ink.
	if err := exec.Command("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", pdfPath, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) != 1 {
		t.Fatalf("rendered %v", pages)
	}
	f, _ := os.Open(pages[0])
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	dark := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0x8000 {
				dark++
			}
		}
	}
	if dark < 500 {
		t.Errorf("page 1 renders almost blank (%d dark pixels)", dark)
	}
	if n, _ := exec.Command("pdfinfo", pdfPath).Output(); !strings.Contains(string(n), "Pages:") {
		t.Errorf("pdfinfo: %s", n)
	}
	partials, _ := filepath.Glob(filepath.Join(dir, "*.partial"))
	if len(partials) != 0 {
		t.Errorf("left behind %v", partials)
	}
}

func TestVerdictNeverClaimsWhatItCannotShow(t *testing.T) {
	r := sample()
	if v := r.Verdict(); !strings.Contains(v, "exception") {
		t.Errorf("with exceptions: %q", v)
	}
	r.Mailboxes[0].Folders[1].Missing = 1
	if v := r.Verdict(); !strings.Contains(v, "1 of 46 messages are missing") {
		t.Errorf("with a missing message: %q", v)
	}
	r.Mailboxes = nil
	if v := r.Verdict(); !strings.Contains(v, "No reconciliation") {
		t.Errorf("without reconciliation: %q", v)
	}
}

func TestCancelledWriteLeavesNoReport(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if _, _, err := Write(ctx, dir, "report", sample()); err == nil {
		t.Fatal("cancelled write succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "report.pdf")); err == nil {
		t.Error("a PDF was written after cancellation")
	}
}
