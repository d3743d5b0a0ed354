package report

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// WritePDF renders the report as A4 PDF with embedded Go fonts (UTF-8, so
// names like Élodie or Brzęczyszczykiewicz print as written).
func WritePDF(w io.Writer, r Report) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("go", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("Mailshift migration report · %s · page %d", r.Project.Name, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	p := &pdfWriter{pdf: pdf}

	pdf.SetFont("go", "B", 18)
	pdf.SetTextColor(31, 95, 191)
	pdf.CellFormat(0, 10, "Email migration report", "", 1, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	p.text(fmt.Sprintf("%s — %s", r.Project.Name, r.Project.Domain), true)
	p.text(fmt.Sprintf("Old host: %s · New host: %s (%s)", r.Project.OldHost, r.Project.NewHost, r.Project.Profile), false)
	p.text(fmt.Sprintf("Cutover: %s · Generated: %s", when(r.Project.Cutover), when(r.Generated)), false)
	pdf.Ln(2)
	p.text(r.Verdict(), true)

	p.heading("Sign-off")
	if s := r.SignOff; s != nil {
		line := fmt.Sprintf("Accepted by %s on %s.", s.Customer, when(s.At))
		if s.Provider != "" {
			line += " Provider: " + s.Provider + "."
		}
		p.text(line, false)
		if s.Note != "" {
			p.text(s.Note, false)
		}
	} else {
		p.text("Not signed off yet.", false)
	}

	p.heading("Checklist")
	rows := [][]string{}
	for _, s := range r.Steps {
		status := s.Status
		if s.Override {
			status += " (override)"
		}
		by := ""
		if s.By != "" {
			by = s.By + ", " + short(s.At)
		}
		note := s.Note
		if s.Reason != "" {
			note += " Reason: " + s.Reason
		}
		rows = append(rows, []string{strconv.Itoa(s.Phase), s.Title, s.Owner, status, by, note})
	}
	p.table([]string{"Ph.", "Step", "Owner", "Status", "By", "Notes"}, []float64{9, 62, 20, 20, 34, 35}, rows)

	p.heading("Reconciliation")
	if len(r.Mailboxes) == 0 {
		p.text("No reconciliation has been run yet.", false)
	}
	for _, m := range r.Mailboxes {
		p.text(m.Email+" — "+m.Verdict, true)
		rows = rows[:0]
		for _, f := range m.Folders {
			rows = append(rows, []string{f.Source, f.Destination, strconv.Itoa(f.SourceCount), strconv.Itoa(f.Local),
				strconv.Itoa(f.OnDestination), strconv.Itoa(f.Missing), strconv.Itoa(f.Extra), strconv.Itoa(f.Skipped)})
		}
		p.table([]string{"Source folder", "Destination", "Source", "Local", "Dest.", "Missing", "Extra", "Skipped"},
			[]float64{42, 42, 16, 16, 16, 16, 16, 16}, rows)
	}

	p.heading("Exceptions")
	if len(r.Exceptions) == 0 {
		p.text("None.", false)
	} else {
		rows = rows[:0]
		for _, e := range r.Exceptions {
			rows = append(rows, []string{e.Mailbox, e.Folder, e.Message, e.Reason})
		}
		p.table([]string{"Mailbox", "Folder", "Message", "Reason"}, []float64{40, 35, 50, 55}, rows)
	}

	p.heading("DNS before and after")
	for _, d := range []DNS{r.DNSBefore, r.DNSAfter} {
		if d.At.IsZero() {
			p.text("No snapshot.", false)
			continue
		}
		p.text("Snapshot of "+when(d.At), true)
		rows = rows[:0]
		for _, f := range d.Findings {
			rows = append(rows, []string{f.Severity, f.Check, f.Summary, f.Action})
		}
		p.table([]string{"Severity", "Check", "Finding", "What to do"}, []float64{20, 25, 70, 65}, rows)
	}

	p.heading("Timeline (audit log)")
	if r.AuditOK {
		p.text(fmt.Sprintf("%d entries. Hash chain intact; head %s.", r.AuditCount, r.AuditHead), false)
	} else {
		p.text(fmt.Sprintf("%d entries. The hash chain does not verify: %s", r.AuditCount, r.AuditNote), true)
	}
	rows = rows[:0]
	for _, e := range r.Timeline {
		rows = append(rows, []string{strconv.FormatUint(e.Seq, 10), short(e.At), e.Actor, e.Kind + " " + e.Subject, e.Detail})
	}
	p.table([]string{"#", "When", "Who", "What", "Detail"}, []float64{10, 30, 30, 55, 55}, rows)
	return pdf.Output(w)
}

type pdfWriter struct{ pdf *fpdf.Fpdf }

func (p *pdfWriter) heading(s string) {
	p.pdf.Ln(4)
	p.pdf.SetFont("go", "B", 13)
	p.pdf.SetTextColor(31, 95, 191)
	p.pdf.CellFormat(0, 8, s, "B", 1, "L", false, 0, "")
	p.pdf.SetTextColor(0, 0, 0)
	p.pdf.Ln(1)
}

func (p *pdfWriter) text(s string, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	p.pdf.SetFont("go", style, 10)
	p.pdf.MultiCell(0, 5, s, "", "L", false)
}

// table draws rows with wrapped cells, each row as tall as its tallest cell.
func (p *pdfWriter) table(head []string, widths []float64, rows [][]string) {
	pdf := p.pdf
	pdf.SetFont("go", "B", 8)
	pdf.SetFillColor(238, 243, 251)
	for i, h := range head {
		pdf.CellFormat(widths[i], 6, h, "1", 0, "L", true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("go", "", 8)
	const lineH = 4.0
	for _, row := range rows {
		lines := 1
		for i, c := range row {
			if n := len(pdf.SplitText(c, widths[i]-2)); n > lines {
				lines = n
			}
		}
		h := float64(lines)*lineH + 1
		if pdf.GetY()+h > 297-15 {
			pdf.AddPage()
		}
		x, y := pdf.GetXY()
		for i, c := range row {
			pdf.Rect(x, y, widths[i], h, "D")
			pdf.SetXY(x+1, y+0.5)
			pdf.MultiCell(widths[i]-2, lineH, c, "", "L", false)
			x += widths[i]
		}
		pdf.SetXY(15, y+h)
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("Mon 2 Jan 2006 15:04 MST")
}

func short(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}
