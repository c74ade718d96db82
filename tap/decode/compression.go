package decode

import (
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
)

// prepare undoes kombu's base64 body encoding and any compression, so the
// recognisers see the serialised payload, and redacts secrets in it.
func (m *msg) prepare() {
	m.unwrap()
	m.redactBody()
}

// unwrap undoes kombu's base64 body encoding and any compression.
func (m *msg) unwrap() {
	if enc := m.bodyEncoding(); enc == "base64" {
		b, err := decodeBase64(m.body)
		if err != nil {
			m.preNotes = append(m.preNotes, "body_encoding base64 but the body is not base64: shown as is")
		} else {
			m.body = b
			m.preFields = append(m.preFields, Field{Name: "Body encoding", Value: "base64"})
		}
	}
	method := compressionOf(m.in)
	if method == "" {
		return
	}
	out, algo, err := decompress(method, m.body, maxDecompressed)
	switch {
	case errors.Is(err, errCapped):
		m.preNotes = append(m.preNotes, "decompressed size capped at "+sizeString(maxDecompressed)+": the rest was not decompressed")
	case err != nil:
		m.preNotes = append(m.preNotes, truncate("could not decompress "+method+" body: "+err.Error()+"; shown as received", maxField))
		m.preFields = append(m.preFields, Field{Name: "Compression", Value: oneLine(method, maxField)})
		return
	}
	m.body = out
	label := oneLine(method, maxField)
	if algo != "" && !strings.EqualFold(method, algo) {
		label += " (" + algo + ")"
	}
	m.preFields = append(m.preFields, Field{Name: "Compression", Value: label})
}

// bodyEncoding reads kombu's body_encoding from the headers, or a
// content_encoding of "base64".
func (m *msg) bodyEncoding() string {
	if s, ok := headerString(m.in.Headers, "body_encoding"); ok {
		return strings.ToLower(s)
	}
	if strings.EqualFold(strings.TrimSpace(m.in.ContentEncoding), "base64") {
		return "base64"
	}
	return ""
}

// compressionOf names the compression of the body: kombu's `compression`
// header (a MIME type or a short name) or a compressing content encoding.
func compressionOf(in Input) string {
	if s, ok := headerString(in.Headers, "compression"); ok {
		return s
	}
	switch strings.ToLower(strings.TrimSpace(in.ContentEncoding)) {
	case "gzip", "x-gzip", "deflate", "zlib", "bzip2", "x-bzip2", "zstd", "br", "xz", "x-xz", "lzma":
		return in.ContentEncoding
	}
	return ""
}

var errCapped = errors.New("decompressed size capped")

// decompress inflates body, stopping at limit bytes of output. It returns
// what it produced (with errCapped when it stopped early) and the
// algorithm it used.
func decompress(method string, body []byte, limit int) ([]byte, string, error) {
	r, algo, closeFn, err := openDecompressor(method, body)
	if algo == "" {
		return nil, "", err
	}
	if err != nil {
		return nil, algo, fmt.Errorf("%s header: %w", algo, err)
	}
	if closeFn != nil {
		defer closeFn()
	}
	out, err := readCapped(r, limit)
	if err != nil && !errors.Is(err, errCapped) {
		return nil, algo, fmt.Errorf("%s: %w", algo, err)
	}
	return out, algo, err
}

// openDecompressor picks the decompressor for kombu's compression name
// (its MIME type or one of its aliases) and the body's magic bytes. It
// returns no algorithm for a method it does not know. closeFn, when set,
// releases the decompressor's resources.
func openDecompressor(method string, body []byte) (r io.Reader, algo string, closeFn func(), err error) {
	switch strings.ToLower(strings.TrimSpace(method)) {
	case "application/x-gzip", "gzip", "x-gzip", "zlib", "application/zlib", "deflate":
		// kombu labels zlib data (RFC 1950) "application/x-gzip"; accept
		// real gzip too, and raw deflate as a last resort.
		switch {
		case len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b:
			r, err = gzip.NewReader(bytes.NewReader(body))
			return r, "gzip", nil, err
		case len(body) >= 2 && (uint(body[0])<<8|uint(body[1]))%31 == 0 && body[0]&0x0f == 8:
			r, err = zlib.NewReader(bytes.NewReader(body))
			return r, "zlib", nil, err
		default:
			return flate.NewReader(bytes.NewReader(body)), "deflate", nil, nil
		}
	case "application/x-bz2", "bzip2", "bz2", "bzip", "x-bzip2", "application/x-bzip2":
		return bzip2.NewReader(bytes.NewReader(body)), "bzip2", nil, nil
	case "application/zstd", "application/x-zstd", "zstd", "zstandard":
		r, closeFn, err = newZstdReader(body)
		return r, "zstd", closeFn, err
	case "application/x-lzma", "application/x-xz", "lzma", "xz", "x-xz":
		// kombu's "lzma" is Python's lzma.compress: the xz container. Bare
		// .lzma data (LZMA_alone) from other producers has no magic.
		if bytes.HasPrefix(body, xzMagic) {
			r, err = newXZReader(body)
			return r, "xz", nil, err
		}
		r, err = newLZMAReader(body)
		return r, "lzma", nil, err
	case "application/x-brotli", "application/brotli", "brotli", "br":
		return brotli.NewReader(bytes.NewReader(body)), "brotli", nil, nil
	}
	return nil, "", nil, fmt.Errorf("unsupported compression %q", truncate(method, 60))
}

// readCapped reads r to the end or to limit bytes, whichever comes first.
// It grows its buffer in steps so a small body never allocates the cap.
func readCapped(r io.Reader, limit int) ([]byte, error) {
	buf := make([]byte, 0, min(32<<10, limit))
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= limit {
				// Probe for one more byte to tell "exactly limit" from "more".
				var one [1]byte
				if n, _ := io.ReadFull(r, one[:]); n > 0 {
					return buf, errCapped
				}
				return buf, nil
			}
			nb := make([]byte, len(buf), min(2*cap(buf), limit))
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// decodeBase64 accepts standard or URL alphabets, padded or not, with
// line breaks.
func decodeBase64(b []byte) ([]byte, error) {
	s := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, string(b))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if out, err := enc.DecodeString(s); err == nil {
			return out, nil
		}
	}
	return nil, errors.New("invalid base64")
}
