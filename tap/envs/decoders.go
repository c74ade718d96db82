package envs

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// The decoders: section names the user's Protobuf and Avro schemas, how
// messages map to their types, and decoder hooks (docs/formats.md):
//
//	decoders:
//	  proto:
//	    files: [schemas/proto]          # .proto files or directories
//	    import-paths: [schemas/proto]
//	    descriptor-sets: [shop.binpb]   # protoc -o / buf build -o
//	    type-headers: [proto-type]
//	    types:
//	      - routing-key: "orders.*"
//	        type: shop.v1.Order
//	    trial: false
//	  avro:
//	    schemas: [schemas/avro]
//	    types:
//	      - exchange: payments
//	        type: shop.v1.Payment
//	  hooks:
//	    - name: legacy
//	      command: [python3, hooks/legacy.py]
//	      content-types: [application/x-legacy]
//	      timeout: 2s
//	      max-body: 1048576

// loadDecoders checks the section and makes its file paths absolute:
// relative to the environments file's directory, ~/ to home. A hook's
// program is resolved the same way when its name holds a slash; a bare
// name is looked up in PATH when it runs.
func loadDecoders(c formats.Config, dir string) (formats.Config, error) {
	if err := c.Check(); err != nil {
		return formats.Config{}, err
	}
	home, _ := os.UserHomeDir()
	abs := func(p string) string {
		switch {
		case p == "":
			return p
		case strings.HasPrefix(p, "~/") && home != "":
			return filepath.Join(home, p[2:])
		case !filepath.IsAbs(p):
			return filepath.Join(dir, p)
		}
		return p
	}
	for _, list := range []*[]string{&c.Proto.Files, &c.Proto.ImportPaths, &c.Proto.DescriptorSets, &c.Avro.Schemas} {
		for i := range *list {
			(*list)[i] = abs((*list)[i])
		}
	}
	for i := range c.Hooks {
		if cmd := c.Hooks[i].Command; strings.ContainsRune(cmd[0], '/') || strings.HasPrefix(cmd[0], "~/") {
			cmd[0] = abs(cmd[0])
		}
	}
	return c, nil
}
