package decode

import (
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// maxWindow bounds the window (zstd) or dictionary (xz, lzma) a body may
// ask for. The decoders allocate it up front, so without a bound a few
// forged header bytes cost gigabytes. 64 MiB covers every standard preset
// (xz -9, zstd up to level 21).
const maxWindow = 64 << 20

// newZstdReader decodes zstd frames synchronously (no decoder goroutines)
// with the window bounded by maxWindow. closeFn releases the decoder.
func newZstdReader(body []byte) (io.Reader, func(), error) {
	d, err := zstd.NewReader(bytes.NewReader(body),
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(maxWindow),
		zstd.WithDecoderMaxMemory(maxWindow))
	if err != nil {
		return nil, nil, err
	}
	return d, d.Close, nil
}

// xzMagic starts every xz stream.
var xzMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}

// newXZReader decodes one xz stream after checking that no block asks for
// a dictionary larger than maxWindow: the library sizes its dictionary
// from each block header, whatever limit it is given.
func newXZReader(body []byte) (io.Reader, error) {
	if err := checkXZ(body, maxWindow); err != nil {
		return nil, err
	}
	return xz.ReaderConfig{SingleStream: true}.NewReader(bytes.NewReader(body))
}

// newLZMAReader decodes bare LZMA (the LZMA_alone .lzma format), whose
// header names the dictionary size; larger than maxWindow is refused.
func newLZMAReader(body []byte) (io.Reader, error) {
	r, err := lzma.ReaderConfig{DictCap: maxWindow}.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("no xz magic, so read as bare LZMA: %w", err)
	}
	return r, nil
}
