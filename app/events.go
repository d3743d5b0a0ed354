package app

import (
	gosync "sync"
)

// Event is anything the core reports to the GUI or CLI: a typed struct, so
// subscribers switch on the type.
type Event interface{ isEvent() }

// StepChanged reports a checklist step's new state.
type StepChanged struct {
	ProjectID string
	Step      Step
}

// ProjectChanged reports a project created or its settings changed.
type ProjectChanged struct{ ProjectID string }

// MailboxesChanged reports mailboxes added or updated in a project.
type MailboxesChanged struct {
	ProjectID string
	Added     int
}

func (StepChanged) isEvent()      {}
func (ProjectChanged) isEvent()   {}
func (MailboxesChanged) isEvent() {}

// Bus fans events out to subscribers. Publish never blocks: a subscriber
// that falls behind its buffer misses its oldest events, never the newest
// (a job's final report, the last state of anything), so the engine is
// never slowed by a slow UI and a slow UI still ends up showing the truth.
type Bus struct {
	mu   gosync.Mutex
	subs map[int]chan Event
	next int
}

// Subscribe returns a channel of events and a function that ends the
// subscription and closes the channel.
func (b *Bus) Subscribe(buffer int) (<-chan Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[int]chan Event{}
	}
	id := b.next
	b.next++
	ch := make(chan Event, max(buffer, 1)) // Publish needs room to make
	b.subs[id] = ch
	var once gosync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, id)
			b.mu.Unlock()
			close(ch)
		})
	}
}

// Publish delivers e to every subscriber; one whose buffer is full loses
// its oldest pending event to make room. (Publish is the channels' only
// sender, under mu, so the room it makes stays free for e.)
func (b *Bus) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		select {
		case ch <- e:
			continue
		default:
		}
		select {
		case <-ch:
		default: // the subscriber took one meanwhile
		}
		ch <- e
	}
}
