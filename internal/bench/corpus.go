package main

import (
	"encoding/base64"
	"fmt"
	"math/rand"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailshift/internal/testenv"
)

// benchFolders are the corpus's folders ('/'-separated), nested and
// non-ASCII, with how many of every 100 messages each gets.
var benchFolders = []struct {
	name   string
	weight int
}{
	{"INBOX", 40}, {"Sent", 15}, {"Archive/2023", 15}, {"Archive/2024", 15},
	{"Projects/Café & Co", 7}, {"Clients/Müller GmbH/Invoices", 5}, {"日本語", 3},
}

// corpusRange generates messages from..to-1 of an n-message corpus,
// deterministically (message i is always the same bytes): a realistic size
// mix averaging about 30 KB (mostly small text, some attachments, a few of
// several MB and one of about 20 MB), with flags, keywords, dates and a few
// messages without Message-ID. It returns them by folder.
func corpusRange(n, from, to int) map[string][]testenv.Message {
	out := map[string][]testenv.Message{}
	start := time.Date(2023, 1, 2, 8, 0, 0, 0, time.UTC)
	for i := from; i < to; i++ {
		rng := rand.New(rand.NewSource(20251123 + int64(i)))
		folder := pickFolder(rng)
		size := pickSize(rng, i, n)
		date := start.Add(time.Duration(rng.Int63n(int64(700 * 24 * time.Hour)))).Truncate(time.Second)
		out[folder] = append(out[folder], testenv.Message{Raw: message(rng, i, size, date), Flags: pickFlags(rng), Date: date})
	}
	return out
}

func pickFolder(rng *rand.Rand) string {
	r := rng.Intn(100)
	for _, f := range benchFolders {
		if r < f.weight {
			return f.name
		}
		r -= f.weight
	}
	return "INBOX"
}

// pickSize returns a body size: message n/2 is the ~20 MB one.
func pickSize(rng *rand.Rand, i, n int) int {
	if i == n/2 {
		return 20 << 20
	}
	switch r := rng.Intn(1000); {
	case r < 1:
		return 1<<20 + rng.Intn(4<<20) // 1-5 MB
	case r < 30:
		return 100<<10 + rng.Intn(400<<10) // 100-500 KB
	case r < 250:
		return 20<<10 + rng.Intn(60<<10) // 20-80 KB
	default:
		return 2<<10 + rng.Intn(10<<10) // 2-12 KB
	}
}

func pickFlags(rng *rand.Rand) []imap.Flag {
	var fl []imap.Flag
	if rng.Intn(10) < 8 {
		fl = append(fl, imap.FlagSeen)
	}
	if rng.Intn(10) == 0 {
		fl = append(fl, imap.FlagAnswered)
	}
	if rng.Intn(20) == 0 {
		fl = append(fl, imap.FlagFlagged)
	}
	if rng.Intn(30) == 0 {
		fl = append(fl, "$Label1", "Work")
	}
	return fl
}

var subjects = []string{"Quarterly figures", "Re: Invoice 4711", "Lunch on Friday?", "Angebot für Müller", "会議の議事録", "Fwd: contract draft", "Café & Co opening"}

func message(rng *rand.Rand, i, size int, date time.Time) []byte {
	var b strings.Builder
	subj := subjects[rng.Intn(len(subjects))]
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.test>\r\nTo: Alice <alice@example.test>\r\n", i%97, i%97)
	fmt.Fprintf(&b, "Subject: %s\r\nDate: %s\r\n", mime.QEncoding.Encode("utf-8", subj), date.Format(time.RFC1123Z))
	if rng.Intn(100) != 0 { // 1% have no Message-ID
		fmt.Fprintf(&b, "Message-ID: <%d.%d@bench.example.test>\r\n", i, rng.Int63())
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	text := fmt.Sprintf("Hello Alice,\r\n\r\nthis is message %d of the benchmark corpus.\r\n", i)
	if size < 16<<10 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text)
		for b.Len() < size {
			b.WriteString("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n")
		}
		return []byte(b.String())
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text)
	b.WriteString("--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	raw := make([]byte, size*3/4)
	rng.Read(raw)
	enc := base64.StdEncoding.EncodeToString(raw)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return []byte(b.String())
}
