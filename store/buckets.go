package store

// The bbolt bucket tree. Every value is a versioned encoding (see codec.go):
// one version byte, then JSON — except message records and push journal
// records, whose version 2 is binary (msgrecord_codec.go,
// pushrecord_codec.go). Keys are plain strings unless noted; numeric keys
// are big-endian so cursor order is numeric order.
//
//	meta/
//	  schema            -> uint32 BE: the schema version the migrations reached
//	  created           -> RFC 3339 time the data folder was first opened
//	  seal              -> SealParams: how the secrets key is obtained + a check blob
//	  settings          -> Settings: this installation's preferences
//	projects/
//	  <projectID>/
//	    info            -> Project
//	    mailboxes/
//	      <mailboxID>   -> Mailbox (mailboxID = lower-cased source address)
//	    checklist/
//	      <stepID>      -> StepState (absent = never touched: "to do")
//	    audit/
//	      <seq u64 BE>  -> AuditRecord, hash-chained to the previous one
//	    secrets/
//	      <name>        -> XChaCha20-Poly1305 sealed bytes (nonce || ciphertext)
//	    snapshots/
//	      <kind>/
//	        <unix-nanos u64 BE> -> opaque JSON (domain findings, inventories, reports)
//	    mappings/       (created on first save: mapping.go)
//	      <mailboxID>   -> folder mapping (JSON of sync.Mapping)
//	    push/           (created on first write: pushjournal.go)
//	      <mailboxID>/
//	        <destination folder>/
//	          state     -> PushFolder (UIDVALIDITY, UIDNEXT, count after the last complete push)
//	          <sha256 32 bytes><ordinal u32 BE> -> PushRecord (intent | done + UID | failed + reason)
//	mail/               -> the message index (blobs, boxes), drawn in msgindex.go;
//	                       message bytes live in <data>/packs (packs.go)

var (
	bucketMeta     = []byte("meta")
	bucketProjects = []byte("projects")
	bucketMail     = []byte("mail")

	keySchema   = []byte("schema")
	keyCreated  = []byte("created")
	keySeal     = []byte("seal")
	keySettings = []byte("settings")

	keyInfo         = []byte("info")
	bucketMailboxes = []byte("mailboxes")
	bucketChecklist = []byte("checklist")
	bucketAudit     = []byte("audit")
	bucketSecrets   = []byte("secrets")
	bucketSnapshots = []byte("snapshots")
	projectSubtrees = [][]byte{bucketMailboxes, bucketChecklist, bucketAudit, bucketSecrets, bucketSnapshots}
)
