package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log"
	"os/exec"
	"strconv"
	"strings"
)

// goBenchRow is one line of `go test -bench` output.
type goBenchRow struct {
	Package     string  `json:"package"`
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

const goBenchPattern = "^(BenchmarkDecode|BenchmarkRender|BenchmarkFilter|BenchmarkWeb)"

var goBenchPackages = []string{"./tap/decode", "./ui", "./ui/web"}

// runGoBench runs the decoder and UI micro-benchmarks and keeps their
// results. It must run from the module root (make bench does).
func (b *bench) runGoBench(ctx context.Context) error {
	args := append([]string{"test", "-run", "^$", "-bench", goBenchPattern, "-benchmem", "-benchtime", b.plan.benchtime, "-count", "1"}, goBenchPackages...)
	b.res.GoBenchCommand = "go " + strings.Join(args, " ")
	cmd := exec.CommandContext(ctx, "go", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		// Not fatal: the broker measurements are worth keeping even when
		// a package does not build at this moment.
		log.Printf("bench: go test -bench failed: %v\n%s", err, out.String())
		b.res.Skipped = append(b.res.Skipped, fmt.Sprintf("UI micro-benchmarks: `%s` failed: %v", b.res.GoBenchCommand, err))
		return nil
	}
	b.res.GoBench = parseGoBench(out.String())
	for _, r := range b.res.GoBench {
		log.Printf("bench: %s %s %.3f ms/op", r.Package, r.Name, r.NsPerOp/1e6)
	}
	return nil
}

func parseGoBench(out string) []goBenchRow {
	var rows []goBenchRow
	pkg := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "pkg:" {
			pkg = f[1]
			continue
		}
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		r := goBenchRow{Package: pkg, Name: strings.Split(f[0], "-")[0]}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.NsPerOp = v
			case "B/op":
				r.BytesPerOp = v
			case "allocs/op":
				r.AllocsPerOp = v
			}
		}
		rows = append(rows, r)
	}
	return rows
}
