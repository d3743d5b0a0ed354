package app

// Owner is who carries out a step.
type Owner string

const (
	OwnerCustomer Owner = "Customer"
	OwnerProvider Owner = "Provider"
	OwnerEveryone Owner = "Everyone"
)

// Phase groups the steps of a migration (DESIGN.md "The job, in three phases").
type Phase struct {
	Number int
	Title  string
	Steps  []StepDef
}

// StepDef is one step of the plan as data: what it is, who does it, and
// which automatic check (if any) can prove it. IDs are stable: they key the
// stored state, so never rename one.
type StepDef struct {
	ID     string
	Title  string
	Detail string
	Owner  Owner
	Check  string // name of the automatic check that proves it; "" = a person ticks it
}

// ThePlan is the plan every project follows.
var ThePlan = []Phase{
	{1, "Account setup and pre-flight", []StepDef{
		{"agree-terms", "Agree terms, plan the migration, pick a cutover date", "Both sides agree scope, price and the cutover date.", OwnerEveryone, ""},
		{"collect-settings", "Collect the old host's settings and the mailbox list", "Server name, port, security; import the mailbox list from CSV.", OwnerCustomer, ""},
		{"test-logins", "Test every source login; create and test every destination mailbox", "Every mailbox must log in on both sides before data moves.", OwnerProvider, "logins"},
		{"domain-preflight", "Domain pre-flight: DNS host, MX/SPF/Autodiscover/DMARC, TTLs, registrar status", "A transfer in progress, an update lock, a hold or an expiry near the cutover blocks DNS changes.", OwnerProvider, "domain"},
		{"lower-ttl", "Lower the MX TTL; enable routing on the new host", "Lower TTLs at least one old TTL before the cutover so the change spreads fast.", OwnerCustomer, "ttl"},
	}},
	{2, "Data migration", []StepDef{
		{"initial-pull", "Initial pull of every mailbox into the local store", "Runs in the background, resumable, throttle-aware.", OwnerProvider, "pull"},
		{"verify-copy", "Verify: per-folder reconciliation of source, local copy and destination", "Every difference must have a reason.", OwnerProvider, "reconcile"},
		{"push-or-export", "Push to the new host and/or export to PST, mbox or eml", "For Outlook import or the Microsoft 365 PST import service.", OwnerProvider, "push"},
		{"prepare-clients", "Pre-configure clients; tell users what moves and what does not", "Contacts and calendars do not travel over IMAP.", OwnerEveryone, ""},
	}},
	{3, "Cutover day", []StepDef{
		{"change-mx", "Change MX, Autodiscover and SPF; confirm propagation", "Across public resolvers and every authoritative name server.", OwnerCustomer, "propagation"},
		{"final-delta", "Final delta; watch the old INBOX until it is drained", "Copy only what arrived since the initial pull.", OwnerProvider, "delta"},
		{"sign-off", "Verify again; customer signs off; export the report", "The report carries the audit trail.", OwnerEveryone, "reconcile"},
	}},
}

// StepByID finds a step and its phase number.
func StepByID(id string) (StepDef, int, bool) {
	for _, ph := range ThePlan {
		for _, s := range ph.Steps {
			if s.ID == id {
				return s, ph.Number, true
			}
		}
	}
	return StepDef{}, 0, false
}
