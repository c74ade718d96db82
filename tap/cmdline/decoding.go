package cmdline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"github.com/shoveltap/shoveltap/tap/decode/formats/load"
	"github.com/shoveltap/shoveltap/tap/filter"
	"github.com/shoveltap/shoveltap/tap/reading"
)

// Decoding are the flags that add the user's decoders — Protobuf and Avro
// schemas, the mappings to their types, decoder hooks (docs/formats.md) —
// to what the environments file's decoders: section names. The tap and
// `open` share them, so that a capture decodes as the live tap did.
type Decoding struct {
	Protos         []string
	ImportPaths    []string
	DescriptorSets []string
	ProtoTypes     []string
	ProtoTrial     bool
	AvroSchemas    []string
	AvroTypes      []string
	Hooks          []string
}

// Register adds the decoding flags to fs, in the Decoding group.
func (d *Decoding) Register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&d.Protos, "proto", nil, "decode Protobuf with the .proto files in `PATH`, a file or a directory (repeatable; compiled in-process): the type comes from the message (a proto or messageType parameter of its content type, a proto-type header, its type property) or from --proto-type")
	fs.StringArrayVar(&d.AvroSchemas, "avro-schema", nil, "decode Avro with the .avsc schemas in `PATH`, a file or a directory (repeatable): a single-object encoded message by its fingerprint, others by --avro-type")
	fs.StringArrayVar(&d.DescriptorSets, "proto-descriptor-set", nil, "decode Protobuf with the descriptor set in `PATH`, written by protoc -o (with --include_imports) or buf build -o (repeatable)")
	fs.StringArrayVar(&d.ProtoTypes, "proto-type", nil, "`MAPPING` CONDITION=TYPE from messages to a Protobuf type (repeatable; the first that matches wins): 'orders.*=shop.v1.Order' (routing key), 'exchange:shop=…', 'header:kind=order=…', or conditions joined by commas, which must all hold")
	fs.StringArrayVar(&d.AvroTypes, "avro-type", nil, "`MAPPING` CONDITION=NAME from messages to an Avro schema's full name (repeatable), as for --proto-type")
	fs.StringArrayVar(&d.Hooks, "hook", nil, "decode with a program of yours: `SPEC` is OPTIONS:COMMAND (repeatable), e.g. 'content-type=application/x-legacy:python3 decode.py'; options content-type, exchange, rk, header, filter, name, timeout, max-body, max-answer (docs/formats.md)")
	fs.StringArrayVar(&d.ImportPaths, "proto-import-path", nil, "`DIR` where the imports of the --proto files are found (repeatable; default: the directories of --proto)")
	fs.BoolVar(&d.ProtoTrial, "proto-trial", false, "decode a Protobuf message that names no type by trying every loaded type; such a guess is labelled protobuf?")
	Group(fs, GroupDecoding, "proto", "avro-schema", "proto-descriptor-set", "proto-type", "avro-type", "hook", "proto-import-path", "proto-trial")
	// One line and the rest by name: --help fits two screens.
	Join(fs, "proto", "avro-schema", "proto-descriptor-set")
	Rare(fs, "proto-type", "avro-type", "hook", "proto-import-path", "proto-trial")
	Brief(fs, map[string]string{"proto": "decode with schemas"})
}

// Parse is the configuration the flags give, alone: an error is a
// mapping or hook that does not parse, and names the flag.
func (d *Decoding) Parse() (formats.Config, error) {
	var c formats.Config
	c.Proto.Files = d.Protos
	c.Proto.ImportPaths = d.ImportPaths
	c.Proto.DescriptorSets = d.DescriptorSets
	c.Proto.Trial = d.ProtoTrial
	c.Avro.Schemas = d.AvroSchemas
	var err error
	if c.Proto.Types, err = formats.ParseRules(d.ProtoTypes); err != nil {
		return formats.Config{}, fmt.Errorf("--proto-type %w", err)
	}
	if c.Avro.Types, err = formats.ParseRules(d.AvroTypes); err != nil {
		return formats.Config{}, fmt.Errorf("--avro-type %w", err)
	}
	for _, v := range d.Hooks {
		h, err := formats.ParseHook(v)
		if err != nil {
			return formats.Config{}, fmt.Errorf("--hook %w", err)
		}
		c.Hooks = append(c.Hooks, h)
	}
	return c, nil
}

// Config is the configuration the flags give added to file (the
// environments file's decoders: section): the flags' mappings and hooks
// come first, so that they win. An error names the flag and what to
// write instead.
func (d *Decoding) Config(file formats.Config) (formats.Config, error) {
	c, err := d.Parse()
	if err != nil {
		return formats.Config{}, err
	}
	merged := file.Merge(c)
	// Said in the flags' terms rather than the file's.
	if len(c.Proto.Types) > 0 && merged.Proto.Empty() {
		return formats.Config{}, errors.New("--proto-type maps messages to Protobuf types but no schema is named: add --proto FILE|DIR or --proto-descriptor-set FILE")
	}
	if len(c.Avro.Types) > 0 && merged.Avro.Empty() {
		return formats.Config{}, errors.New("--avro-type maps messages to Avro schemas but none is named: add --avro-schema FILE|DIR")
	}
	if err := merged.Check(); err != nil {
		return formats.Config{}, fmt.Errorf("decoders: %s", oneLine(err))
	}
	return merged, nil
}

// Load is Config and LoadDecoders: the decoders the flags and file name,
// loaded, with their hooks running. Close them on exit.
func (d *Decoding) Load(ctx context.Context, file formats.Config) (*load.Decoders, error) {
	cfg, err := d.Config(file)
	if err != nil {
		return nil, err
	}
	return LoadDecoders(ctx, cfg)
}

// LoadDecoders compiles the schemas of cfg and starts its hooks, so that
// a bad schema or a hook that cannot run fails here, before anything is
// created on the broker. The hooks live until ctx ends or Close. A nil
// *load.Decoders' Decoder is never needed: an empty cfg loads the
// built-in decoders only.
func LoadDecoders(ctx context.Context, cfg formats.Config) (*load.Decoders, error) {
	decs, err := load.Load(ctx, cfg, load.Options{CompileFilter: CompileHookFilter, StartHooks: true})
	if err != nil {
		return nil, fmt.Errorf("decoders: %s", oneLine(err))
	}
	return decs, nil
}

// CompileHookFilter compiles a hook's filter expression (the UI's filter
// language) into a predicate on a message, tested against its reading by
// the built-in decoders. A query the filter would take partly as free
// text by mistake is refused: a hook bound to the wrong messages is worse
// than none.
func CompileHookFilter(expr string) (func(decode.Input) bool, error) {
	if w := filter.Check(expr); len(w) > 0 {
		return nil, errors.New(w[0])
	}
	m := filter.Parse(expr)
	return func(in decode.Input) bool {
		r := reading.Build(reading.Input{Message: in})
		return m.Match(&r.Subject)
	}, nil
}

// oneLine joins the lines of err's text (errors.Join, a compiler's list)
// so that it prints as one line.
func oneLine(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}
