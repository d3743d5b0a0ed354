package sync

// Progress receives a run's events. The engine calls it from many
// goroutines and as often as per message: implementations count fast and
// paint slowly (app/ publishes a snapshot about ten times a second).
type Progress interface {
	// Planned adds work found for a mailbox: messages and bytes to copy.
	Planned(mailbox string, messages int, bytes int64)
	// Folder says which folder a mailbox is working on now.
	Folder(mailbox, folder string)
	// Stored counts messages made durable (or recognised without a fetch).
	Stored(mailbox string, messages int, bytes int64)
	// Problem reports one message or folder that was skipped or failed,
	// with its reason; the run goes on.
	Problem(mailbox, folder string, uid uint32, reason string)
	// Waiting reports a pause the engine takes (throttling, reconnect).
	Waiting(mailbox, why string)
}

// NoProgress discards events.
type NoProgress struct{}

func (NoProgress) Planned(string, int, int64)             {}
func (NoProgress) Folder(string, string)                  {}
func (NoProgress) Stored(string, int, int64)              {}
func (NoProgress) Problem(string, string, uint32, string) {}
func (NoProgress) Waiting(string, string)                 {}
