package decode

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCorpusTiming(t *testing.T) {
	dir := os.Getenv("CORPUS_DIR")
	if dir == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		lines := strings.Split(string(data), "\n")
		// go test fuzz v1 / []byte("...") / byte('x') / byte('y')
		body, _ := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		ct := parseByte(lines[2])
		h := parseByte(lines[3])
		in := Input{Body: []byte(body), ContentType: fuzzContentTypes[int(ct)%len(fuzzContentTypes)]}
		fuzzHeaders[int(h)%len(fuzzHeaders)](&in)
		start := time.Now()
		Decode(in)
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Logf("%s: %v (%d bytes, ct %d, h %d)", filepath.Base(f), d, len(body), ct, h)
		}
	}
}

func parseByte(s string) byte {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "byte("), ")")
	if v, err := strconv.Unquote(s); err == nil && len(v) > 0 {
		return v[0]
	}
	n, _ := strconv.Atoi(s)
	return byte(n)
}
