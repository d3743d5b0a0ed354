package sync

import (
	"fmt"
	"strings"
)

// Role is a folder's special use (RFC 6154), as go-imap spells the
// attribute: `\Sent`, `\Drafts`, `\Junk`, `\Trash`, `\Archive`.
type Role string

const (
	RoleNone    Role = ""
	RoleSent    Role = `\Sent`
	RoleDrafts  Role = `\Drafts`
	RoleJunk    Role = `\Junk`
	RoleTrash   Role = `\Trash`
	RoleArchive Role = `\Archive`
)

// mappedRoles are the roles whose folder moves to the destination's folder
// of the same role. (\All and \Flagged are virtual views: never mapped.)
var mappedRoles = []Role{RoleSent, RoleDrafts, RoleJunk, RoleTrash, RoleArchive}

// Profile is what Mailshift knows about a kind of destination: where its
// role folders are, which names it refuses, how large a message may be.
type Profile struct {
	Name string `json:"name"` // generic, m365, gmail
	// MaxMessageBytes is the default message size limit (APPENDLIMIT, when
	// the server announces one, wins). 0 = no known limit.
	MaxMessageBytes int64 `json:"max_message_bytes"`
	// Separator and Prefix are assumed until the destination is probed.
	Separator string `json:"separator"`
	Prefix    string `json:"prefix"`
	// RoleFolders are the destination's folders for each role, as levels
	// (joined with the destination's separator after its prefix), used
	// when the destination does not advertise SPECIAL-USE.
	RoleFolders map[Role][]string `json:"role_folders"`
	// Reserved top-level names (compared case-insensitively) that a source
	// folder may not take: they exist on every such mailbox with another
	// purpose, or the server refuses to create them.
	Reserved []string `json:"reserved,omitempty"`
	// Forbidden characters inside one level of a name (besides the
	// destination's separator, which is always replaced).
	Forbidden string `json:"forbidden,omitempty"`
	// Labels: the destination's folders are labels, and it keeps one
	// message appended to several of them as one message with several
	// labels (Gmail). It says what the destination does; nothing here
	// acts on it: the push appends each folder's copy as to any server,
	// and the folders list the message in each (never tested against
	// Gmail itself, which no test here can reach).
	Labels bool `json:"labels,omitempty"`
}

// Destination profile names.
const (
	ProfileGeneric = "generic"
	ProfileM365    = "m365"
	ProfileGmail   = "gmail"
)

// exchangeReserved are Exchange's well-known folders that are not mail
// folders (calendar, contacts, tasks, notes, journal items, sync logs,
// OneDrive attachments, RSS, Teams/Yammer/Skype history, Outlook settings)
// plus Outbox, whose items Exchange sends. They exist in every Microsoft
// 365 mailbox and are listed over IMAP, so a source folder of that name
// would be silently merged into them; APPEND into the non-mail ones makes
// items Outlook does not show as mail. Source: Exchange's
// WellKnownFolderName (EWS) and Outlook's default folder names.
var exchangeReserved = []string{
	"Calendar", "Contacts", "Tasks", "Notes", "Journal", "Outbox",
	"Files", "Sync Issues", "Conversation History", "RSS Feeds",
	"RSS Subscriptions", "Conversation Action Settings", "Quick Step Settings",
	"Social Activity Notifications", "Yammer Root", "Recoverable Items",
	"Scheduled", "Clutter", "Tasks Search", "ExternalContacts", "PersonMetadata",
}

// gmailReserved are Gmail's system labels and the [Gmail] container:
// Gmail refuses to create user labels with these names.
var gmailReserved = []string{
	"[Gmail]", "[Google Mail]", "Sent", "Drafts", "Spam", "Trash", "Starred",
	"Important", "Chats", "All Mail", "Scheduled", "Snoozed", "Bin", "Sent Mail",
}

// Profiles returns the built-in destination profiles by name.
func Profiles() map[string]Profile {
	return map[string]Profile{
		ProfileGeneric: {
			Name: ProfileGeneric, Separator: "/",
			RoleFolders: map[Role][]string{
				RoleSent: {"Sent"}, RoleDrafts: {"Drafts"}, RoleJunk: {"Junk"},
				RoleTrash: {"Trash"}, RoleArchive: {"Archive"},
			},
		},
		ProfileM365: {
			Name: ProfileM365, MaxMessageBytes: 35 << 20, Separator: "/",
			RoleFolders: map[Role][]string{
				RoleSent: {"Sent Items"}, RoleDrafts: {"Drafts"}, RoleJunk: {"Junk Email"},
				RoleTrash: {"Deleted Items"}, RoleArchive: {"Archive"},
			},
			Reserved: exchangeReserved,
		},
		ProfileGmail: {
			Name: ProfileGmail, MaxMessageBytes: 35 << 20, Separator: "/", Labels: true,
			RoleFolders: map[Role][]string{
				RoleSent: {"[Gmail]", "Sent Mail"}, RoleDrafts: {"[Gmail]", "Drafts"},
				RoleJunk: {"[Gmail]", "Spam"}, RoleTrash: {"[Gmail]", "Trash"},
				RoleArchive: {"[Gmail]", "All Mail"},
			},
			Reserved: gmailReserved,
		},
	}
}

// ProfileByName returns a built-in profile; "" means generic.
func ProfileByName(name string) (Profile, error) {
	if name == "" {
		name = ProfileGeneric
	}
	p, ok := Profiles()[strings.ToLower(name)]
	if !ok {
		return Profile{}, fmt.Errorf("unknown destination profile %q (choose generic, m365 or gmail)", name)
	}
	return p, nil
}

// roleByName guesses the role of a top-level source folder that the source
// server did not mark (servers without SPECIAL-USE), from the names that
// common clients and hosts create.
func roleByName(level string) Role {
	switch fold(level) {
	case "sent", "sent items", "sent messages", "sent mail", "gesendet", "gesendete objekte", "envoyés", "éléments envoyés":
		return RoleSent
	case "drafts", "draft", "entwürfe", "brouillons":
		return RoleDrafts
	case "junk", "spam", "junk email", "junk e-mail", "bulk mail", "courrier indésirable":
		return RoleJunk
	case "trash", "deleted items", "deleted messages", "bin", "papierkorb", "gelöschte elemente", "corbeille":
		return RoleTrash
	case "archive", "archives", "archiv":
		return RoleArchive
	}
	return RoleNone
}
