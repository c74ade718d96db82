package decode

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/internal/testtier"
	"github.com/ulikunitz/xz"
)

// The bombs in testdata/decode/bomb expand to 100 MiB of zeros; they were
// made by the modules kombu itself compresses with (gen_bombs.py).
func TestDecompressionBombZstdBrotliXZ(t *testing.T) {
	testtier.Slow(t, "100 MB decompression bombs")
	cases := []struct{ file, header, algo string }{
		{"zeros100m.zst", "application/zstd", "zstd"},
		{"zeros100m.br", "application/x-brotli", "brotli"},
		{"zeros100m.xz", "application/x-lzma", "xz"},
		{"zeros100m.lzma", "lzma", "lzma"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(fixtureDir, "bomb", c.file))
			if err != nil {
				t.Fatal(err)
			}
			in := Input{Body: body, Headers: map[string]any{"compression": c.header}}
			// 8 MiB of output plus the decoder's window (8 MiB or less
			// for these), far below the 100 MiB of the bomb.
			r := decodeBounded(t, in, 40<<20, 10*time.Second)
			if !hasNote(r, "decompressed size capped") || r.Format != "binary" {
				t.Errorf("Format %q notes %q", r.Format, r.Notes)
			}
			out, algo, err := decompress(c.header, body, 1000)
			if err != errCapped || len(out) != 1000 || algo != c.algo {
				t.Errorf("decompress to 1000: got %d bytes, algo %q, %v", len(out), algo, err)
			}
		})
	}
}

// Headers that ask for a huge window or dictionary are refused before the
// decoder allocates it.
func TestForgedWindowSizes(t *testing.T) {
	// xz: the real kombu fixture with its LZMA2 dictionary set to 4 GiB - 1
	// and the block header's CRC32 fixed, so it is a valid header.
	xzBody, err := os.ReadFile(filepath.Join(fixtureDir, "celery_lzma.body"))
	if err != nil {
		t.Fatal(err)
	}
	forgedXZ := bytes.Clone(xzBody)
	if forgedXZ[12] != 0x02 || forgedXZ[14] != 0x21 {
		t.Fatalf("unexpected block header % x", forgedXZ[12:24])
	}
	forgedXZ[16] = 40
	binary.LittleEndian.PutUint32(forgedXZ[20:], crc32.ChecksumIEEE(forgedXZ[12:20]))

	// zstd: a frame whose window descriptor says 2 GiB (window log 31),
	// then one raw last block of 5 bytes.
	forgedZstd := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 1 | 5<<3, 0, 0, 'h', 'e', 'l', 'l', 'o'}

	// Bare LZMA: properties 0x5d, a 2 GiB dictionary, unknown size.
	forgedLZMA := append([]byte{0x5d, 0, 0, 0, 0x80}, bytes.Repeat([]byte{0xff}, 8)...)
	forgedLZMA = append(forgedLZMA, make([]byte, 32)...)

	cases := []struct {
		name, header string
		body         []byte
		note         string
	}{
		{"xz dictionary 4 GiB", "application/x-lzma", forgedXZ, "xz header: dictionary of 4096 MiB is larger than the 64 MiB allowed"},
		{"zstd window 2 GiB", "application/zstd", forgedZstd, "could not decompress application/zstd body: zstd"},
		{"lzma dictionary 2 GiB", "application/x-lzma", forgedLZMA, "dictionary size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Body: c.body, Headers: map[string]any{"compression": c.header}}
			r := decodeBounded(t, in, 4<<20, 2*time.Second)
			if !hasNote(r, c.note) || !hasNote(r, "shown as received") {
				t.Errorf("notes %q lack %q", r.Notes, c.note)
			}
		})
	}
}

// Bodies that are not what their compression header says, or are cut
// short, are shown as received with a note naming the algorithm.
func TestCorruptCompressedBodies(t *testing.T) {
	for _, c := range []struct {
		fixture, header, algo string
		flip                  int
	}{
		// kombu's zstd frames carry no checksum, so a flipped data byte
		// can pass unnoticed: flip a reserved bit of the frame header.
		{"celery_zstd", "application/zstd", "zstd", 4},
		{"celery_brotli", "application/x-brotli", "brotli", -1},
		{"celery_lzma", "application/x-lzma", "xz", -1},
	} {
		real := mustRead(t, c.fixture+".body")
		flipped := bytes.Clone(real)
		if c.flip < 0 {
			flipped[len(flipped)/2] ^= 0x55
		} else {
			flipped[c.flip] ^= 0x08
		}
		bodies := map[string][]byte{
			"plain text": []byte("plain text, not compressed at all"),
			"cut short":  real[:len(real)*2/3],
			"flipped":    flipped,
		}
		if c.algo != "zstd" {
			bodies["empty"] = []byte{} // zero zstd frames are a valid, empty stream
		}
		for name, body := range bodies {
			t.Run(c.algo+" "+name, func(t *testing.T) {
				in := Input{Body: body, Headers: map[string]any{"compression": c.header}}
				// The xz decoder allocates the 8 MiB dictionary the
				// header asks for before it finds the damage.
				r := decodeBounded(t, in, 16<<20, 2*time.Second)
				want := "could not decompress " + c.header + " body: "
				if !hasNote(r, want) || !hasNote(r, "shown as received") {
					t.Errorf("notes %q lack %q", r.Notes, want)
				}
				if fieldValue(r, "Compression") != c.header {
					t.Errorf("Compression field %q", fieldValue(r, "Compression"))
				}
			})
		}
	}
}

func TestCompressionNames(t *testing.T) {
	// Every name kombu registers (kombu/compression.py), its aliases, and
	// the HTTP content-encoding tokens.
	zs := mustRead(t, "celery_zstd.body")
	br := mustRead(t, "celery_brotli.body")
	xzb := mustRead(t, "celery_lzma.body")
	for _, c := range []struct {
		name string
		body []byte
		algo string
	}{
		{"application/zstd", zs, "zstd"}, {"zstd", zs, "zstd"}, {"zstandard", zs, "zstd"}, {"ZSTD ", zs, "zstd"},
		{"application/x-brotli", br, "brotli"}, {"brotli", br, "brotli"}, {"br", br, "brotli"},
		{"application/x-lzma", xzb, "xz"}, {"lzma", xzb, "xz"}, {"xz", xzb, "xz"},
		{"bzip", mustRead(t, "celery_bzip2.body"), "bzip2"},
	} {
		out, algo, err := decompress(c.name, c.body, maxDecompressed)
		if err != nil || algo != c.algo || !bytes.HasPrefix(out, []byte("[[")) {
			t.Errorf("%q: algo %q, err %v, out %.20q", c.name, algo, err, out)
		}
	}
	r := Decode(Input{ContentEncoding: "zstd", ContentType: "application/json", Body: zs})
	if fieldValue(r, "Compression") != "zstd" || !strings.HasPrefix(r.Summary, "[[7,8]") {
		t.Errorf("content encoding zstd: %q %q", fieldValue(r, "Compression"), r.Summary)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkXZ must follow every block, not just the first: streams of several
// blocks pass with every check type, and a forged dictionary in the last
// block is caught.
func TestCheckXZWalksEveryBlock(t *testing.T) {
	data := make([]byte, 300<<10)
	rng := rand.New(rand.NewSource(1))
	for i := range data {
		data[i] = "abcdefgh"[rng.Intn(8)] // compressible, not trivially
	}
	for _, sum := range []byte{xz.None, xz.CRC32, xz.CRC64, xz.SHA256} {
		var buf bytes.Buffer
		w, err := xz.WriterConfig{BlockSize: 64 << 10, CheckSum: sum, NoCheckSum: sum == xz.None}.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		body := buf.Bytes()
		if err := checkXZ(body, maxWindow); err != nil {
			t.Fatalf("check %d: %v", sum, err)
		}
		out, _, err := decompress("xz", body, maxDecompressed)
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("check %d: round trip failed: %v", sum, err)
		}
		starts := xzBlockStarts(t, body)
		if len(starts) < 4 {
			t.Fatalf("want several blocks, got %d", len(starts))
		}
		last := starts[len(starts)-1]
		forged := bytes.Clone(body)
		hlen := (int(forged[last]) + 1) * 4
		dictAt := bytes.Index(forged[last:last+hlen], []byte{0x21, 0x01}) + last + 2
		forged[dictAt] = 40
		binary.LittleEndian.PutUint32(forged[last+hlen-4:], crc32.ChecksumIEEE(forged[last:last+hlen-4]))
		if err := checkXZ(forged, maxWindow); err == nil || !strings.Contains(err.Error(), "dictionary") {
			t.Errorf("check %d: forged last block passed: %v", sum, err)
		}
	}
}

// xzBlockStarts finds the blocks of a one-stream xz file from its index,
// independently of checkXZ's forward walk.
func xzBlockStarts(t *testing.T, b []byte) []int {
	t.Helper()
	footer := b[len(b)-12:]
	backward := (int(binary.LittleEndian.Uint32(footer[4:8])) + 1) * 4
	idx := b[len(b)-12-backward:]
	if idx[0] != 0 {
		t.Fatal("no index indicator")
	}
	n, p, _ := xzVarint(idx, 1)
	starts := []int{}
	pos := 12
	for k := uint64(0); k < n; k++ {
		var unpadded uint64
		unpadded, p, _ = xzVarint(idx, p)
		_, p, _ = xzVarint(idx, p)
		starts = append(starts, pos)
		pos += (int(unpadded) + 3) &^ 3
	}
	return starts
}
