package report

import (
	"html/template"
	"io"
	"time"
)

// WriteHTML renders the report as one self-contained HTML page (no external
// resources, so it opens offline and prints as is).
func WriteHTML(w io.Writer, r Report) error {
	return page.Execute(w, r)
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Local().Format("Mon 2 Jan 2006 15:04 MST")
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Migration report — {{.Project.Name}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}
h1{color:#1f5fbf}h2{border-bottom:2px solid #1f5fbf;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef3fb}.num{text-align:right}.blocker{color:#b00020;font-weight:bold}.warning{color:#a15c00}.ok{color:#1b7f3a}
.verdict{font-size:1.2em;font-weight:bold;padding:.6em;background:#eef3fb;border-left:4px solid #1f5fbf}
code{font-size:.9em}
</style></head><body>
<h1>Email migration report</h1>
<p><b>{{.Project.Name}}</b> — {{.Project.Domain}}<br>
Old host: {{.Project.OldHost}} · New host: {{.Project.NewHost}} ({{.Project.Profile}})<br>
Cutover: {{when .Project.Cutover}} · Report generated {{when .Generated}}</p>
<p class="verdict">{{.Verdict}}</p>

<h2>Sign-off</h2>
{{with .SignOff}}<p>Accepted by <b>{{.Customer}}</b> on {{when .At}}{{if .Provider}}, with {{.Provider}} for the provider{{end}}.{{if .Note}}<br>{{.Note}}{{end}}</p>
{{else}}<p>Not signed off yet.</p>{{end}}

<h2>Checklist</h2>
<table><tr><th>Phase</th><th>Step</th><th>Owner</th><th>Status</th><th>By / when</th><th>Notes</th></tr>
{{range .Steps}}<tr><td>{{.Phase}}</td><td>{{.Title}}</td><td>{{.Owner}}</td><td>{{.Status}}{{if .Override}} (override){{end}}</td><td>{{.By}} {{if .By}}{{when .At}}{{end}}</td><td>{{.Note}}{{if .Reason}} <i>Reason: {{.Reason}}</i>{{end}}</td></tr>
{{end}}</table>

<h2>Reconciliation</h2>
{{range .Mailboxes}}<h3>{{.Email}}</h3><p>{{.Verdict}}</p>
<table><tr><th>Source folder</th><th>Destination folder</th><th class="num">Source</th><th class="num">Local</th><th class="num">Destination</th><th class="num">Missing</th><th class="num">Extra</th><th class="num">Skipped</th></tr>
{{range .Folders}}<tr><td>{{.Source}}</td><td>{{.Destination}}</td><td class="num">{{.SourceCount}}</td><td class="num">{{.Local}}</td><td class="num">{{.OnDestination}}</td><td class="num">{{.Missing}}</td><td class="num">{{.Extra}}</td><td class="num">{{.Skipped}}</td></tr>
{{end}}</table>
{{else}}<p>No reconciliation has been run yet.</p>{{end}}

<h2>Exceptions</h2>
{{if .Exceptions}}<table><tr><th>Mailbox</th><th>Folder</th><th>Message</th><th>Reason</th></tr>
{{range .Exceptions}}<tr><td>{{.Mailbox}}</td><td>{{.Folder}}</td><td>{{.Message}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2>DNS before and after</h2>
{{template "dns" .DNSBefore}}{{template "dns" .DNSAfter}}

<h2>Timeline (audit log)</h2>
<p>{{.AuditCount}} entries. {{if .AuditOK}}Hash chain intact; head <code>{{.AuditHead}}</code>.{{else}}<span class="blocker">The hash chain does not verify: {{.AuditNote}}</span>{{end}}</p>
<table><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Detail</th></tr>
{{range .Timeline}}<tr><td class="num">{{.Seq}}</td><td>{{when .At}}</td><td>{{.Actor}}</td><td>{{.Kind}} {{.Subject}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>
</body></html>
{{define "dns"}}{{if .At.IsZero}}<p>No snapshot.</p>{{else}}<h3>Snapshot of {{when .At}}</h3>
<table><tr><th>Severity</th><th>Check</th><th>Finding</th><th>What to do</th></tr>
{{range .Findings}}<tr><td class="{{.Severity}}">{{.Severity}}</td><td>{{.Check}}</td><td>{{.Summary}}</td><td>{{.Action}}</td></tr>
{{end}}</table>{{end}}{{end}}
`))
