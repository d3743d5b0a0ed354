package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// column is one column of a migration-screen table: header and width.
type column struct {
	title string
	width float32
}

// withHeader gives t Fyne's header row (outside the scrolled data, so it
// stays in view and the last data row can be scrolled to) with the
// columns' titles, and sets their widths.
func withHeader(t *widget.Table, cols []column) {
	t.ShowHeaderRow = true
	t.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Bold = true
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		if id.Row < 0 && id.Col >= 0 && id.Col < len(cols) {
			l.SetText(cols[id.Col].title)
			return
		}
		l.SetText("")
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
}

// newTextTable is a virtualised table of one-line labels: rows() data
// rows, each cell's text from text(row, col), under a header row.
func newTextTable(cols []column, rows func() int, text func(row, col int) string) *widget.Table {
	t := widget.NewTable(func() (int, int) { return rows(), len(cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(text(id.Row, id.Col)) })
	withHeader(t, cols)
	return t
}
