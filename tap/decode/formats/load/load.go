// Package load turns a formats.Config into a decode.Decoder: it compiles
// the Protobuf schemas, parses the Avro schemas and prepares the hooks.
package load

import (
	"context"
	"errors"
	"fmt"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/avrodec"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"github.com/shoveltap/shoveltap/tap/decode/hook"
	"github.com/shoveltap/shoveltap/tap/decode/protodec"
)

// Options are what the caller supplies beyond the configuration.
type Options struct {
	// CompileFilter compiles a hook's filter expression into a predicate
	// on the message (the UI's filter language). Needed only by hooks
	// with a filter.
	CompileFilter func(expr string) (func(decode.Input) bool, error)
	// StartHooks starts every hook at once, so that a command that cannot
	// run fails Load; otherwise each starts on its first message.
	StartHooks bool
}

// Decoders is a loaded configuration.
type Decoders struct {
	// Decoder decodes with the configured extensions first, then the
	// built-in recognisers. Use its Summarize in the decoding stage.
	Decoder *decode.Decoder
	// Loaded describes each extension for a status line or --check:
	// "protobuf: 13 types from 1 descriptor set, 2 mappings".
	Loaded []string
	hooks  []*hook.Hook
}

// Load builds the decoders of cfg. Hooks come first (the user bound them
// to messages), then Protobuf, then Avro. ctx bounds the hooks' lives:
// they stop when it ends or on Close.
func Load(ctx context.Context, cfg formats.Config, opts Options) (*Decoders, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	d := &Decoders{}
	var exts []decode.Extension
	for i, hc := range cfg.Hooks {
		hc = hc.WithDefaults(i)
		var filter func(decode.Input) bool
		if hc.Filter != "" {
			if opts.CompileFilter == nil {
				return nil, d.fail(fmt.Errorf("hook %s is bound to a filter but filters cannot be compiled here", hc.Name))
			}
			f, err := opts.CompileFilter(hc.Filter)
			if err != nil {
				return nil, d.fail(fmt.Errorf("hook %s: filter %q: %w", hc.Name, hc.Filter, err))
			}
			filter = f
		}
		h, err := hook.New(ctx, hc, filter)
		if err != nil {
			return nil, d.fail(err)
		}
		d.hooks = append(d.hooks, h)
		if opts.StartHooks {
			if err := h.Start(); err != nil {
				return nil, d.fail(fmt.Errorf("hook %s: %w", hc.Name, err))
			}
		}
		exts = append(exts, h)
		d.Loaded = append(d.Loaded, fmt.Sprintf("hook %s: %v", hc.Name, hc.Command))
	}
	if !cfg.Proto.Empty() {
		reg, err := protodec.Load(ctx, protodec.Sources{Protos: cfg.Proto.Files, ImportPaths: cfg.Proto.ImportPaths, DescriptorSets: cfg.Proto.DescriptorSets})
		if err != nil {
			return nil, d.fail(err)
		}
		p, err := protodec.New(reg, cfg.Proto)
		if err != nil {
			return nil, d.fail(err)
		}
		exts = append(exts, p)
		d.Loaded = append(d.Loaded, fmt.Sprintf("protobuf: %d message types, %d mappings, trial %v", len(reg.Names()), len(cfg.Proto.Types), cfg.Proto.Trial))
	}
	if !cfg.Avro.Empty() {
		reg, err := avrodec.Load(cfg.Avro.Schemas)
		if err != nil {
			return nil, d.fail(err)
		}
		a, err := avrodec.New(reg, cfg.Avro)
		if err != nil {
			return nil, d.fail(err)
		}
		exts = append(exts, a)
		d.Loaded = append(d.Loaded, fmt.Sprintf("avro: %d schemas, %d mappings", len(reg.Names()), len(cfg.Avro.Types)))
	}
	d.Decoder = decode.NewDecoder(exts...)
	return d, nil
}

// fail closes what was started and returns err.
func (d *Decoders) fail(err error) error {
	return errors.Join(err, d.Close())
}

// Close stops the hooks.
func (d *Decoders) Close() error {
	var errs []error
	for _, h := range d.hooks {
		errs = append(errs, h.Close())
	}
	return errors.Join(errs...)
}
