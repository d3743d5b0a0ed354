package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// codecV1 marks a value as JSON of the v1 shape. A later shape gets a new
// version byte and a decoder, so old files stay readable (message records:
// codecRecordV2, decoded in msgrecord_codec.go; push journal records:
// codecPushV2, in pushrecord_codec.go).
const codecV1 byte = 1

func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{codecV1}, b...), nil
}

// decode copies nothing out of raw that outlives the call: json.Unmarshal
// copies, so raw may be a bbolt slice valid only inside its transaction.
func decode(raw []byte, v any) error {
	if len(raw) == 0 {
		return fmt.Errorf("empty value")
	}
	switch raw[0] {
	case codecV1:
		return json.Unmarshal(raw[1:], v)
	default:
		return fmt.Errorf("value encoding version %d is newer than this Mailshift understands", raw[0])
	}
}

func u64key(n uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, n)
	return k
}

func u32bytes(n uint32) []byte {
	k := make([]byte, 4)
	binary.BigEndian.PutUint32(k, n)
	return k
}
