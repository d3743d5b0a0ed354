package views

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailshift/domain"
)

// buildRecords makes the list of DNS changes at the new host, each with a
// button that copies the value to type into the DNS host's form.
func (d *DomainScreen) buildRecords() fyne.CanvasObject {
	d.RecordsNote = widget.NewLabel("Press Check domain to read the live DNS and list the records the new host needs.")
	d.RecordsNote.Wrapping = fyne.TextWrapWord
	d.Records = widget.NewList(func() int { return len(d.plan.Changes) },
		func() fyne.CanvasObject {
			op := widget.NewLabelWithStyle("change CNAME", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name := widget.NewLabel("selector1._domainkey.example.com")
			name.Truncation = fyne.TextTruncateEllipsis
			value := widget.NewLabel("value")
			value.Truncation = fyne.TextTruncateEllipsis
			value.TextStyle.Monospace = true
			copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), nil)
			return container.NewBorder(nil, nil, op, copyBtn, container.NewVBox(name, value))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := d.plan.Changes[i]
			row := o.(*fyne.Container)
			lines := row.Objects[0].(*fyne.Container).Objects
			row.Objects[1].(*widget.Label).SetText(recordOp(c))
			lines[0].(*widget.Label).SetText(recordWhere(c))
			lines[1].(*widget.Label).SetText(recordValue(c))
			row.Objects[2].(*widget.Button).OnTapped = func() { d.CopyRecord(i) }
		})
	return container.NewBorder(d.RecordsNote, nil, nil, nil, d.Records)
}

// paintRecords shows the plan read with the last check.
func (d *DomainScreen) paintRecords() {
	switch {
	case d.planErr != "":
		d.RecordsNote.SetText("The records could not be read from the live DNS: " + d.planErr + " Press Check domain again.")
	case d.plan.Domain == "":
		// not read yet (the screen shows kept checks until the next one)
	case len(d.plan.Changes) == 0:
		d.RecordsNote.SetText("The DNS already has every record the new host needs.")
	default:
		text := fmt.Sprintf("%d change(s) at the DNS host of %s for the new host (%s). Make them on the cutover day, the MX last; \"later\" ones after the old host stops sending.",
			len(d.plan.Changes), d.plan.Domain, d.plan.Profile)
		if d.plan.MergedSPF != "" {
			text += fmt.Sprintf("\nThe SPF record with the new host: %s (%d DNS lookups of 10 allowed).", d.plan.MergedSPF, d.plan.MergedSPFLookups)
		}
		for _, n := range d.plan.Notes {
			text += "\nNote: " + sentence(n)
		}
		d.RecordsNote.SetText(text)
	}
	d.Records.Refresh()
}

// RecordRow is the text a records row shows: action and type, name and
// why, value (tests).
func (d *DomainScreen) RecordRow(i int) (op, where, value string) {
	c := d.plan.Changes[i]
	return recordOp(c), recordWhere(c), recordValue(c)
}

// CopyRecord puts a change's value on the clipboard: the new value, or the
// old one for a record to remove (to find it at the DNS host).
func (d *DomainScreen) CopyRecord(i int) {
	if i < 0 || i >= len(d.plan.Changes) {
		return
	}
	c := d.plan.Changes[i]
	v := c.New
	if c.Op == "remove" {
		v = c.Old
	}
	d.copied = v
	fyne.CurrentApp().Clipboard().SetContent(v)
	d.shell.SetStatus(fmt.Sprintf("Copied the %s record's value for %s.", c.Type, c.Name))
}

// Copied is the last value a copy button put on the clipboard (tests).
func (d *DomainScreen) Copied() string { return d.copied }

func recordOp(c domain.Change) string {
	op := c.Op
	if c.Later {
		op += " later"
	}
	return op + " " + c.Type
}

func recordWhere(c domain.Change) string {
	text := c.Name
	if c.TTL > 0 {
		text += fmt.Sprintf(" · TTL %d", c.TTL)
	}
	if c.Why != "" {
		text += " · " + c.Why
	}
	return text
}

func recordValue(c domain.Change) string {
	switch c.Op {
	case "remove":
		return "remove: " + c.Old
	case "change":
		return strings.TrimSpace(c.New) + "   (now: " + c.Old + ")"
	}
	return c.New
}
