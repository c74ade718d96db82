package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The peer: rabtap, the tool people pick instead, at a pinned version. The
// module proxy serves v1.45.0 but refuses the module's version list, so
// `go install …@v1.45.0` fails; `go mod download` of the exact version and
// a build inside the directory it reports work. Its code is built into a
// cache directory and never enters this repository.
const (
	peerModule  = "github.com/jandelgado/rabtap"
	peerVersion = "v1.45.0"
)

// buildPeer returns the path of a rabtap binary, building it on first use
// into the user's cache directory.
func buildPeer(ctx context.Context) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	bin := filepath.Join(cache, "shoveltap-bench", "rabtap-"+peerVersion)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", peerModule+"@"+peerVersion)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	// Outside this module, so that its go.mod is not touched.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("fetching %s@%s from the Go module proxy: %v: %s", peerModule, peerVersion, err, strings.TrimSpace(errOut.String()))
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("fetching %s@%s: no module directory in %q (%v %s)", peerModule, peerVersion, out.String(), err, mod.Error)
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("building rabtap: %w", err)
	}
	errOut.Reset()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/rabtap")
	build.Dir = mod.Dir
	build.Stderr = &errOut
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building rabtap %s in %s: %v: %s", peerVersion, mod.Dir, err, strings.TrimSpace(errOut.String()))
	}
	return bin, nil
}

// buildShoveltap builds this checkout's shoveltap into dir, so that it runs
// as people run it: a process of its own that prints JSON lines.
func buildShoveltap(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "shoveltap")
	var errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building shoveltap (run the harness from the module root, as make bench does): %v: %s", err, strings.TrimSpace(errOut.String()))
	}
	return bin, nil
}
