package decode

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// recompress compresses data with the algorithm decompress reported, so
// that a redacted body goes back under the same compression header.
// bzip2 has no Go writer and is refused.
func recompress(algo string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch algo {
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w, err = flate.NewWriter(&buf, flate.DefaultCompression)
	case "zstd":
		// kombu's zstd_decompress (python-zstandard's one-shot
		// decompress) needs the content size in the frame header, which
		// the encoder leaves out of small frames unless they are single
		// segment.
		var e *zstd.Encoder
		if e, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1),
			zstd.WithSingleSegment(len(data) <= 8<<20)); err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		out := e.EncodeAll(data, nil)
		return out, e.Close()
	case "brotli":
		w = brotli.NewWriter(&buf)
	case "xz":
		w, err = xz.NewWriter(&buf)
	case "lzma":
		w, err = lzma.NewWriter(&buf)
	default:
		return nil, fmt.Errorf("cannot compress with %s", algo)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", algo, err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("%s: %w", algo, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", algo, err)
	}
	return buf.Bytes(), nil
}
