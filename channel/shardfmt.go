package channel

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// This file decodes the two msgpack documents of CEP-16 sharded repodata:
// the shard index (repodata_shards.msgpack.zst) and a shard
// (<sha256>.msgpack.zst), both after zstd decompression.

// ShardIndexFile is the name of a subdir's shard index (CEP-16).
const ShardIndexFile = "repodata_shards.msgpack.zst"

// shardIndex is a decoded shard index.
type shardIndex struct {
	version       int
	baseURL       string // info.base_url: where the archives are, relative to the index
	shardsBaseURL string // info.shards_base_url: where the shards are, relative to the index
	subdir        string
	names         []string   // sorted
	hashes        [][32]byte // hashes[i] is the sha256 of names[i]'s compressed shard
}

// lookup returns the position of name, or -1.
func (si *shardIndex) lookup(name string) int {
	i := sort.SearchStrings(si.names, name)
	if i < len(si.names) && si.names[i] == name {
		return i
	}
	return -1
}

// maxNesting bounds the nesting of msgpack containers inside a record.
const maxNesting = 64

// parseShardIndex decodes a shard index: a map with "info" (a map of
// strings) and "shards" (package name → 32 bytes of sha256; a 64-digit hex
// string is accepted too). Unknown keys are ignored, as CEP-16 asks.
func parseShardIndex(data []byte) (*shardIndex, error) {
	d := msgpack.NewDecoder(bytes.NewReader(data))
	n, err := mapLen(d, "shard index")
	if err != nil {
		return nil, err
	}
	si := &shardIndex{}
	sawShards := false
	for range n {
		key, err := d.DecodeString()
		if err != nil {
			return nil, fmt.Errorf("shard index: key: %w", err)
		}
		switch key {
		case "version":
			v, err := d.DecodeInt()
			if err != nil {
				return nil, fmt.Errorf("shard index: version: %w", err)
			}
			si.version = v
		case "info":
			if err := si.decodeInfo(d); err != nil {
				return nil, err
			}
		case "shards":
			sawShards = true
			m, err := mapLen(d, "shard index: shards")
			if err != nil {
				return nil, err
			}
			type ent struct {
				name string
				hash [32]byte
			}
			ents := make([]ent, 0, min(m, 1<<16))
			for range m {
				name, err := d.DecodeString()
				if err != nil {
					return nil, fmt.Errorf("shard index: package name: %w", err)
				}
				h, err := decodeHash(d, 32)
				if err != nil {
					return nil, fmt.Errorf("shard index: shard of %q: %w", name, err)
				}
				e := ent{name: name}
				copy(e.hash[:], h)
				ents = append(ents, e)
			}
			sort.Slice(ents, func(i, j int) bool { return ents[i].name < ents[j].name })
			si.names = make([]string, 0, len(ents))
			si.hashes = make([][32]byte, 0, len(ents))
			for k, e := range ents {
				if k > 0 && e.name == ents[k-1].name {
					return nil, fmt.Errorf("shard index: package %q listed twice", e.name)
				}
				si.names = append(si.names, e.name)
				si.hashes = append(si.hashes, e.hash)
			}
		default:
			if err := d.Skip(); err != nil {
				return nil, fmt.Errorf("shard index: %q: %w", key, err)
			}
		}
	}
	if _, err := d.PeekCode(); err == nil {
		return nil, errors.New("shard index: data after the top-level map")
	}
	if !sawShards {
		return nil, errors.New("shard index: no \"shards\" map")
	}
	if si.version > 1 {
		return nil, fmt.Errorf("shard index: unsupported version %d", si.version)
	}
	return si, nil
}

func (si *shardIndex) decodeInfo(d *msgpack.Decoder) error {
	n, err := mapLen(d, "shard index: info")
	if err != nil {
		return err
	}
	for range n {
		key, err := d.DecodeString()
		if err != nil {
			return fmt.Errorf("shard index: info: key: %w", err)
		}
		var dst *string
		switch key {
		case "base_url":
			dst = &si.baseURL
		case "shards_base_url":
			dst = &si.shardsBaseURL
		case "subdir":
			dst = &si.subdir
		}
		if dst == nil {
			if err := d.Skip(); err != nil {
				return fmt.Errorf("shard index: info: %q: %w", key, err)
			}
			continue
		}
		if c, _ := d.PeekCode(); c == msgpcode.Nil {
			d.Skip()
			continue
		}
		if *dst, err = d.DecodeString(); err != nil {
			return fmt.Errorf("shard index: info: %q: %w", key, err)
		}
	}
	return nil
}

// mapLen reads the header of a map that must be there.
func mapLen(d *msgpack.Decoder, what string) (int, error) {
	n, err := d.DecodeMapLen()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("%s: nil instead of a map", what)
	}
	return n, nil
}

// decodeHash reads a hash stored as size raw bytes (msgpack bin) or as
// its hex string.
func decodeHash(d *msgpack.Decoder, size int) ([]byte, error) {
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	if msgpcode.IsString(c) {
		s, err := d.DecodeString()
		if err != nil {
			return nil, err
		}
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != size {
			return nil, fmt.Errorf("hash %q is not %d hex bytes", truncateString(s, 80), size)
		}
		return b, nil
	}
	b, err := d.DecodeBytes()
	if err != nil {
		return nil, err
	}
	if len(b) != size {
		return nil, fmt.Errorf("hash of %d bytes, want %d", len(b), size)
	}
	return b, nil
}

func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// shardRecord is one record of a shard, transcoded to the JSON of a
// repodata.json record.
type shardRecord struct {
	fn    string
	conda bool // from "packages.conda"
	json  []byte
}

// decodeShard decodes a shard: a map with "packages" and "packages.conda"
// (file name → record map) and "removed" (file names). Records come back
// in document order, "packages" first, without removed ones, each as the
// JSON repodata.json would hold: md5 and sha256 stored as bytes become hex
// strings, a msgpack timestamp becomes milliseconds. Unknown keys are
// ignored.
func decodeShard(data []byte) ([]shardRecord, error) {
	d := msgpack.NewDecoder(bytes.NewReader(data))
	n, err := mapLen(d, "shard")
	if err != nil {
		return nil, err
	}
	var recs []shardRecord
	var removed map[string]bool
	var buf []byte
	for range n {
		key, err := d.DecodeString()
		if err != nil {
			return nil, fmt.Errorf("shard: key: %w", err)
		}
		switch key {
		case "packages", "packages.conda":
			if c, _ := d.PeekCode(); c == msgpcode.Nil {
				d.Skip()
				continue
			}
			m, err := mapLen(d, "shard: "+key)
			if err != nil {
				return nil, err
			}
			for range m {
				fn, err := d.DecodeString()
				if err != nil {
					return nil, fmt.Errorf("shard: %s: file name: %w", key, err)
				}
				start := len(buf)
				buf, err = transcode(d, buf, "", 0)
				if err != nil {
					return nil, fmt.Errorf("shard: record %q: %w", fn, err)
				}
				if buf[start] != '{' {
					return nil, fmt.Errorf("shard: record %q: not a map", fn)
				}
				recs = append(recs, shardRecord{fn: fn, conda: key == "packages.conda", json: buf[start:len(buf):len(buf)]})
			}
		case "removed":
			if c, _ := d.PeekCode(); c == msgpcode.Nil {
				d.Skip()
				continue
			}
			m, err := d.DecodeArrayLen()
			if err != nil {
				return nil, fmt.Errorf("shard: removed: %w", err)
			}
			for range m {
				fn, err := d.DecodeString()
				if err != nil {
					return nil, fmt.Errorf("shard: removed: %w", err)
				}
				if removed == nil {
					removed = map[string]bool{}
				}
				removed[fn] = true
			}
		default:
			if err := d.Skip(); err != nil {
				return nil, fmt.Errorf("shard: %q: %w", key, err)
			}
		}
	}
	if _, err := d.PeekCode(); err == nil {
		return nil, errors.New("shard: data after the top-level map")
	}
	if removed != nil {
		out := recs[:0]
		for _, r := range recs {
			if !removed[r.fn] {
				out = append(out, r)
			}
		}
		recs = out
	}
	return recs, nil
}

// transcode appends the JSON form of the next msgpack value to buf. key is
// the map key the value belongs to ("" at the top): raw bytes under any
// key become a lower-case hex string, as md5 and sha256 are in JSON.
func transcode(d *msgpack.Decoder, buf []byte, key string, depth int) ([]byte, error) {
	if depth > maxNesting {
		return nil, errors.New("nested too deeply")
	}
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := d.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		buf = append(buf, '{')
		for k := range n {
			if k > 0 {
				buf = append(buf, ',')
			}
			name, err := d.DecodeString()
			if err != nil {
				return nil, fmt.Errorf("map key: %w", err)
			}
			buf = appendJSONString(buf, name)
			buf = append(buf, ':')
			if buf, err = transcode(d, buf, name, depth+1); err != nil {
				return nil, fmt.Errorf("%q: %w", name, err)
			}
		}
		return append(buf, '}'), nil
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := d.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		buf = append(buf, '[')
		for k := range n {
			if k > 0 {
				buf = append(buf, ',')
			}
			if buf, err = transcode(d, buf, key, depth+1); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case msgpcode.IsString(c):
		s, err := d.DecodeString()
		if err != nil {
			return nil, err
		}
		return appendJSONString(buf, s), nil
	case msgpcode.IsBin(c):
		b, err := d.DecodeBytes()
		if err != nil {
			return nil, err
		}
		buf = append(buf, '"')
		buf = hex.AppendEncode(buf, b)
		return append(buf, '"'), nil
	}
	v, err := d.DecodeInterfaceLoose()
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case uint64:
		return strconv.AppendUint(buf, v, 10), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("non-finite number")
		}
		return strconv.AppendFloat(buf, v, 'g', -1, 64), nil
	case time.Time:
		return strconv.AppendInt(buf, v.UnixMilli(), 10), nil
	default:
		return nil, fmt.Errorf("unsupported msgpack value of type %T", v)
	}
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(buf []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
