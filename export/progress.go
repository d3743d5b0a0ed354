package export

// Event is a progress event of an export run. The concrete types are
// FolderStarted, MessageExported, MessageSkipped, MessageWarning,
// FileWritten and Finished.
type Event interface{ exportEvent() }

// FolderStarted: the run begins a folder.
type FolderStarted struct{ Folder string }

// MessageExported: one message was written (Bytes of input).
type MessageExported struct {
	Folder string
	Bytes  int64
}

// MessageSkipped: a message could not be read from the source.
type MessageSkipped struct{ Folder, Reason string }

// MessageWarning: a message was written, with a problem worth reporting
// (malformed MIME kept raw, unknown charset, hash mismatch).
type MessageWarning struct{ Folder, Subject, Problem string }

// FileWritten: an output file is complete under its final name.
type FileWritten struct{ Path string }

// Finished: the run ended (successfully or not); always the last event.
type Finished struct {
	Result *Result
	Err    error
}

func (FolderStarted) exportEvent()   {}
func (MessageExported) exportEvent() {}
func (MessageSkipped) exportEvent()  {}
func (MessageWarning) exportEvent()  {}
func (FileWritten) exportEvent()     {}
func (Finished) exportEvent()        {}

// Progress receives events on the run's goroutine; implementations must
// return quickly (count, and publish snapshots at their own rate).
type Progress interface{ Event(Event) }

// NoProgress ignores every event.
type NoProgress struct{}

// Event implements Progress.
func (NoProgress) Event(Event) {}

// ProgressFunc adapts a function to Progress.
type ProgressFunc func(Event)

// Event implements Progress.
func (f ProgressFunc) Event(e Event) { f(e) }
