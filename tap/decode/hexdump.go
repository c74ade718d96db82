package decode

const hexDigits = "0123456789abcdef"

// hexDump renders b like `hexdump -C`: an 8-digit offset, 16 bytes in hex
// split 8+8, and an ASCII column with '.' for anything non-printable.
func hexDump(b []byte) string {
	lines := (len(b) + 15) / 16
	out := make([]byte, 0, lines*79)
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		for shift := 28; shift >= 0; shift -= 4 {
			out = append(out, hexDigits[(off>>shift)&0xf])
		}
		out = append(out, ' ', ' ')
		for k := 0; k < 16; k++ {
			if k == 8 {
				out = append(out, ' ')
			}
			if k < len(line) {
				out = append(out, hexDigits[line[k]>>4], hexDigits[line[k]&0xf], ' ')
			} else {
				out = append(out, ' ', ' ', ' ')
			}
		}
		out = append(out, ' ', '|')
		for _, c := range line {
			if c >= 0x20 && c < 0x7f {
				out = append(out, c)
			} else {
				out = append(out, '.')
			}
		}
		out = append(out, '|', '\n')
	}
	if len(out) > 0 {
		out = out[:len(out)-1]
	}
	return string(out)
}

// hexPreview is a short one-line hex rendering for summaries.
func hexPreview(b []byte, n int) string {
	out := make([]byte, 0, n*3+4)
	for i, c := range b {
		if i == n {
			out = append(out, "…"...)
			break
		}
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return string(out)
}
