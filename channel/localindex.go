package channel

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// This file keeps the result of a repodata.json scan (the per-name groups
// of record offsets) in a small binary file beside the cache, so that a
// later load of the same, unchanged document skips the scan: the document
// is memory-mapped and only the records of the names a solve asks for are
// read. For a conda-forge-sized subdir the index is about 8 MB against
// 240 MB of JSON.
//
// The index is tied to one version of the document by its size, its mtime
// and a checksum of its first and last 64 KiB; anything else is a miss and
// the document is scanned (and the index rewritten). The index file ends
// in a CRC-32C of its contents, so a torn or corrupt index is a miss too.
//
// Layout (little-endian): magic "ESIDX\x00\x00\x01"; u64 document size; i64
// document mtime (ns); u32 edge checksum; i32 repodata_version; u32 names;
// u32 entries; uvarint-prefixed subdir and base_url; each name
// uvarint-prefixed; (names+1) × u32 starts; entries × 16 bytes
// (keyOff, valOff, valLen u32; keyLen, flags u16); u32 CRC-32C.

const idxMagic = "ESIDX\x00\x00\x01"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// docStamp identifies one version of a repodata document.
type docStamp struct {
	size    int64
	mtimeNs int64
	edges   uint32 // CRC-32C of the first and last 64 KiB
}

func stampOf(data []byte, size, mtimeNs int64) docStamp {
	const edge = 64 << 10
	h := crc32.New(castagnoli)
	if len(data) <= 2*edge {
		h.Write(data)
	} else {
		h.Write(data[:edge])
		h.Write(data[len(data)-edge:])
	}
	return docStamp{size: size, mtimeNs: mtimeNs, edges: h.Sum32()}
}

// localIndexPath is where the index of a local document lives.
func (l *Loader) localIndexPath(docPath string) string {
	sum := sha256.Sum256([]byte(docPath))
	return filepath.Join(l.CacheDir, "index-v1", hex.EncodeToString(sum[:8])+".idx")
}

// remoteIndexPath is where the index of a cached remote document lives,
// beside it.
func (l *Loader) remoteIndexPath(key string) string {
	return filepath.Join(l.CacheDir, key+".idx")
}

func encodeIndex(sc *scanned, st docStamp) []byte {
	n := 64 + len(sc.info.Subdir) + len(sc.info.BaseURL) + 4*(len(sc.starts)) + 16*len(sc.entries)
	for _, name := range sc.names {
		n += len(name) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, idxMagic...)
	b = binary.LittleEndian.AppendUint64(b, uint64(st.size))
	b = binary.LittleEndian.AppendUint64(b, uint64(st.mtimeNs))
	b = binary.LittleEndian.AppendUint32(b, st.edges)
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(sc.info.RepodataVersion)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(sc.names)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(sc.entries)))
	for _, s := range []string{sc.info.Subdir, sc.info.BaseURL} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, s := range sc.names {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, v := range sc.starts {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	for _, e := range sc.entries {
		b = binary.LittleEndian.AppendUint32(b, e.keyOff)
		b = binary.LittleEndian.AppendUint32(b, e.valOff)
		b = binary.LittleEndian.AppendUint32(b, e.valLen)
		b = binary.LittleEndian.AppendUint16(b, e.keyLen)
		b = binary.LittleEndian.AppendUint16(b, e.flags)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

var errStaleIndex = errors.New("stale or corrupt index")

// decodeIndex reads an index written for the document with stamp st and
// length docLen; any mismatch or inconsistency is errStaleIndex.
func decodeIndex(b []byte, st docStamp, docLen int) (*scanned, error) {
	if int64(docLen) != st.size || len(b) < len(idxMagic)+36+4 || string(b[:len(idxMagic)]) != idxMagic {
		return nil, errStaleIndex
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, errStaleIndex
	}
	r := body[len(idxMagic):]
	u32 := func() uint32 { v := binary.LittleEndian.Uint32(r); r = r[4:]; return v }
	u64 := func() uint64 { v := binary.LittleEndian.Uint64(r); r = r[8:]; return v }
	if int64(u64()) != st.size || int64(u64()) != st.mtimeNs || u32() != st.edges {
		return nil, errStaleIndex
	}
	sc := &scanned{}
	sc.info.RepodataVersion = int(int32(u32()))
	nNames, nEntries := int(u32()), int(u32())
	str := func() (string, bool) {
		n, k := binary.Uvarint(r)
		if k <= 0 || n > uint64(len(r)-k) {
			return "", false
		}
		s := string(r[k : k+int(n)])
		r = r[k+int(n):]
		return s, true
	}
	var ok bool
	if sc.info.Subdir, ok = str(); !ok {
		return nil, errStaleIndex
	}
	if sc.info.BaseURL, ok = str(); !ok {
		return nil, errStaleIndex
	}
	if nNames > len(r) || nEntries > len(r)/16 {
		return nil, errStaleIndex
	}
	sc.names = make([]string, nNames)
	for k := range sc.names {
		if sc.names[k], ok = str(); !ok || (k > 0 && sc.names[k] <= sc.names[k-1]) {
			return nil, errStaleIndex
		}
	}
	if len(r) != 4*(nNames+1)+16*nEntries {
		return nil, errStaleIndex
	}
	sc.starts = make([]int32, nNames+1)
	for k := range sc.starts {
		sc.starts[k] = int32(u32())
		if sc.starts[k] < 0 || int(sc.starts[k]) > nEntries || (k > 0 && sc.starts[k] < sc.starts[k-1]) {
			return nil, errStaleIndex
		}
	}
	if sc.starts[0] != 0 || int(sc.starts[nNames]) != nEntries {
		return nil, errStaleIndex
	}
	sc.entries = make([]entry, nEntries)
	for k := range sc.entries {
		e := entry{
			keyOff: binary.LittleEndian.Uint32(r),
			valOff: binary.LittleEndian.Uint32(r[4:]),
			valLen: binary.LittleEndian.Uint32(r[8:]),
			keyLen: binary.LittleEndian.Uint16(r[12:]),
			flags:  binary.LittleEndian.Uint16(r[14:]),
		}
		r = r[16:]
		if uint64(e.keyOff)+uint64(e.keyLen) > uint64(docLen) || uint64(e.valOff)+uint64(e.valLen) > uint64(docLen) {
			return nil, errStaleIndex
		}
		sc.entries[k] = e
	}
	return sc, nil
}

// scanIndexed returns the scan of data, from the index at idxPath when it
// matches the document, else by scanning (handing mapped pages back as the
// scan moves on) and then writing the index. An index that cannot be
// written only costs the next load a scan.
func scanIndexed(data []byte, mapped bool, idxPath string, size, mtimeNs int64) (*scanned, error) {
	if idxPath == "" {
		return scanRepodataRelease(data, releaser(data, mapped))
	}
	st := stampOf(data, size, mtimeNs)
	if b, err := os.ReadFile(idxPath); err == nil {
		if sc, err := decodeIndex(b, st, len(data)); err == nil {
			return sc, nil
		}
	}
	sc, err := scanRepodataRelease(data, releaser(data, mapped))
	if err != nil {
		return nil, err
	}
	releasePages(data, len(data), mapped)
	if err := os.MkdirAll(filepath.Dir(idxPath), 0o755); err == nil {
		writeUnsynced(idxPath, encodeIndex(sc, st))
	}
	return sc, nil
}

// writeUnsynced replaces path with data (temporary file, rename) without
// an fsync: an index is only a cache, and one torn by a crash fails its
// CRC-32C and is rebuilt. An fsync of 8 MB on a busy disk would cost the
// first run more than the scan.
func writeUnsynced(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func releaser(data []byte, mapped bool) func(int) {
	if !mapped {
		return nil
	}
	return func(off int) { releasePages(data, off, true) }
}

func errTooLarge(n int64) error {
	return fmt.Errorf("document of %d bytes is larger than %d", n, int64(maxDocSize))
}
