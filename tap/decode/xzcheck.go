package decode

import (
	"errors"
	"fmt"
)

// checkXZ walks the blocks of the xz stream in body without decompressing
// anything and fails when a block's LZMA2 filter asks for a dictionary
// larger than maxDict, or when the structure cannot be followed (then the
// check could miss a later block). A stream cut short passes: the decoder
// stops where the data stops. Layout from the .xz file format 1.1.0.
func checkXZ(body []byte, maxDict int64) error {
	const streamHeaderLen = 12
	if len(body) < streamHeaderLen {
		return nil
	}
	checkLen := xzCheckSize(body[7] & 0x0f)
	if body[6] != 0 || body[7]&0xf0 != 0 {
		return errors.New("unsupported stream flags")
	}
	i := streamHeaderLen
	for i < len(body) {
		if body[i] == 0 {
			return nil // the index: no more blocks
		}
		start := i
		end, err := checkXZBlockHeader(body, i, maxDict)
		if err != nil || end >= len(body) {
			return err
		}
		if i, err = skipLZMA2(body, end); err != nil {
			return fmt.Errorf("block at offset %d: %w", start, err)
		}
		i += (4 - (i-start)%4) % 4 // block padding
		i += checkLen
	}
	return nil
}

// xzCheckSize is the size of the integrity check of each check type
// (none, CRC32, CRC64, SHA-256, and reserved types in between).
func xzCheckSize(t byte) int {
	if t == 0 {
		return 0
	}
	return 4 << ((t - 1) / 3)
}

// checkXZBlockHeader checks the filters of the block header at body[i]
// and returns where the compressed data starts.
func checkXZBlockHeader(body []byte, i int, maxDict int64) (int, error) {
	end := i + (int(body[i])+1)*4
	if end > len(body) {
		return len(body), nil // cut short
	}
	h := body[i+1 : end-4] // flags .. padding, without the CRC32
	if len(h) < 1 {
		return 0, errors.New("block header too short")
	}
	flags := h[0]
	if flags&0x3c != 0 {
		return 0, errors.New("unsupported block flags")
	}
	p := 1
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} {
		if !present {
			continue
		}
		var ok bool
		if _, p, ok = xzVarint(h, p); !ok {
			return 0, errors.New("bad size in block header")
		}
	}
	for f := 0; f <= int(flags&0x03); f++ {
		id, np, ok := xzVarint(h, p)
		if !ok {
			return 0, errors.New("bad filter in block header")
		}
		size, np, ok := xzVarint(h, np)
		if !ok || size > uint64(len(h)-np) {
			return 0, errors.New("bad filter properties in block header")
		}
		props := h[np : np+int(size)]
		p = np + int(size)
		if id != 0x21 { // not LZMA2: the decoder refuses it
			continue
		}
		if len(props) != 1 || props[0] > 40 {
			return 0, errors.New("bad LZMA2 dictionary size")
		}
		if dict := lzma2DictSize(props[0]); dict > maxDict {
			// Sizes above maxDict are whole MiB, or 4 GiB - 1.
			return 0, fmt.Errorf("dictionary of %d MiB is larger than the %s allowed", (dict+1)>>20, sizeString(int(maxDict)))
		}
	}
	return end, nil
}

// lzma2DictSize decodes LZMA2's one-byte dictionary size: 2 or 3 times a
// power of two, from 4 KiB; 40 means 4 GiB - 1.
func lzma2DictSize(c byte) int64 {
	if c == 40 {
		return 1<<32 - 1
	}
	return int64(2|c&1) << (c/2 + 11)
}

// skipLZMA2 steps over the LZMA2 chunks from body[i] by their headers,
// which give each chunk's compressed size, and returns the index just past
// the end marker (or the end of body when it is cut short).
func skipLZMA2(body []byte, i int) (int, error) {
	for i < len(body) {
		c := body[i]
		switch {
		case c == 0:
			return i + 1, nil
		case c == 1 || c == 2:
			if i+3 > len(body) {
				return len(body), nil
			}
			i += 3 + (int(body[i+1])<<8 | int(body[i+2])) + 1
		case c >= 0x80:
			hdr := 5
			if c >= 0xc0 {
				hdr = 6
			}
			if i+hdr > len(body) {
				return len(body), nil
			}
			i += hdr + (int(body[i+3])<<8 | int(body[i+4])) + 1
		default:
			return 0, fmt.Errorf("invalid LZMA2 chunk control byte 0x%02x", c)
		}
	}
	return len(body), nil
}

// xzVarint reads xz's multibyte integer (7 bits a byte, at most 9 bytes).
func xzVarint(b []byte, i int) (uint64, int, bool) {
	var v uint64
	for k := 0; k < 9 && i < len(b); k++ {
		c := b[i]
		i++
		v |= uint64(c&0x7f) << (7 * k)
		if c&0x80 == 0 {
			return v, i, c != 0 || k == 0
		}
	}
	return 0, i, false
}
