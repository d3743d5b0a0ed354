package pst

// Column sets of Outlook's own templates (dumped from its empty PST); each
// folder's tables start as copies of these.
var (
	hierCols = []colSpec{{0x0E30, ptBin}, {0x0E33, ptI64}, {0x0E34, ptBin}, {0x0E38, ptI32}, {0x3001, ptUni},
		{0x3602, ptI32}, {0x3603, ptI32}, {0x360A, ptBool}, {0x3613, ptUni}, {0x6635, ptI32}, {0x6636, ptI32}}
	contCols = []colSpec{{0x0017, ptI32}, {0x001A, ptUni}, {0x0036, ptI32}, {0x0037, ptUni}, {0x0039, ptTime}, {0x0042, ptUni},
		{0x0057, ptBool}, {0x0058, ptBool}, {0x0070, ptUni}, {0x0071, ptBin}, {0x0E03, ptUni}, {0x0E04, ptUni},
		{0x0E06, ptTime}, {0x0E07, ptI32}, {0x0E08, ptI32}, {0x0E17, ptI32}, {0x0E30, ptBin}, {0x0E33, ptI64},
		{0x0E34, ptBin}, {0x0E38, ptI32}, {0x0E3C, ptBin}, {0x0E3D, ptBin}, {0x1097, ptI32}, {0x3008, ptTime},
		{0x3013, ptBin}, {0x65C6, ptI32}}
	faiCols = []colSpec{{0x001A, ptUni}, {0x0E07, ptI32}, {0x0E17, ptI32}, {0x3001, ptUni}, {0x6800, ptUni}, {0x6803, ptBool},
		{0x6805, ptMVI32}, {0x682F, ptUni}, {0x7003, ptI32}, {0x7004, ptBin}, {0x7005, ptBin}, {0x7006, ptUni}, {0x7007, ptI32}}
	srchCols = []colSpec{{0x0017, ptI32}, {0x001A, ptUni}, {0x0036, ptI32}, {0x0037, ptUni}, {0x0042, ptUni}, {0x0057, ptBool},
		{0x0058, ptBool}, {0x0E03, ptUni}, {0x0E04, ptUni}, {0x0E05, ptUni}, {0x0E06, ptTime}, {0x0E07, ptI32},
		{0x0E08, ptI32}, {0x0E17, ptI32}, {0x0E2A, ptBool}, {0x3008, ptTime}, {0x67F1, ptI32}}
	recipCols = []colSpec{{0x0C15, ptI32}, {0x0E0F, ptBool}, {0x0FF9, ptBin}, {0x0FFE, ptI32}, {0x0FFF, ptBin}, {0x3001, ptUni},
		{0x3002, ptUni}, {0x3003, ptUni}, {0x300B, ptBin}, {0x3900, ptI32}, {0x39FF, ptUni}, {0x3A40, ptBool}}
	attCols = []colSpec{{0x0E20, ptI32}, {0x3704, ptUni}, {0x3705, ptI32}, {0x370B, ptI32}}
)

// Well-known NIDs.
const (
	nidStore        = 0x21
	nidNameMap      = 0x61
	nidRootFolder   = 0x122
	nidIPMSubtree   = 0x8022
	nidSearchRoot   = 0x8042
	nidDeletedItems = 0x8062
	nidSpamSearch   = 0x2223
	nidRecipTable   = 0x692
	nidAttachTable  = 0x671
	firstFolderIdx  = 0x405
	firstMessageIdx = 0x10001
)
