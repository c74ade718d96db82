// Package formats is the configuration of the decoders a user supplies:
// Protobuf and Avro schemas, the rules that say which type a message is,
// and decoder hooks. It is pure data and parsing; package formats/load
// turns a Config into a decode.Decoder. A Config comes from the
// environments file (tap/envs, section `decoders:`) or from flags (the
// Parse* functions).
package formats

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config is every user-supplied decoder. The zero Config adds none.
type Config struct {
	Proto ProtoConfig  `yaml:"proto"`
	Avro  AvroConfig   `yaml:"avro"`
	Hooks []HookConfig `yaml:"hooks"`
}

// Empty reports whether c configures no decoder.
func (c Config) Empty() bool {
	return c.Proto.Empty() && c.Avro.Empty() && len(c.Hooks) == 0
}

// ProtoConfig names Protobuf schemas and how messages map to their types.
type ProtoConfig struct {
	// Files are .proto files or directories of them, compiled in-process.
	Files []string `yaml:"files"`
	// ImportPaths are where imports are looked up; by default the
	// directories given in Files and each file's own directory.
	ImportPaths []string `yaml:"import-paths"`
	// DescriptorSets are files written by protoc -o (with
	// --include_imports) or buf build -o.
	DescriptorSets []string `yaml:"descriptor-sets"`
	// TypeHeaders are the headers that may name a message's type, tried
	// after the content type's proto/messageType parameter.
	TypeHeaders []string `yaml:"type-headers"`
	// Types map messages to their type by exchange, routing key or header.
	Types []Rule `yaml:"types"`
	// Trial allows decoding a protobuf-typed body that names no type by
	// trying every loaded type; such a decode is labelled as a trial.
	Trial bool `yaml:"trial"`
}

// Empty reports whether no schema is named.
func (p ProtoConfig) Empty() bool {
	return len(p.Files) == 0 && len(p.DescriptorSets) == 0
}

// DefaultTypeHeaders are the headers read for a Protobuf type when the
// configuration names none.
func DefaultTypeHeaders() []string {
	return []string{"proto-type", "x-proto-type", "x-protobuf-type", "protobuf-type"}
}

// AvroConfig names Avro schema files and how messages map to them.
type AvroConfig struct {
	// Schemas are .avsc files or directories of them.
	Schemas []string `yaml:"schemas"`
	// Types map messages to a schema's full name by exchange, routing key
	// or header. Single-object encoded bodies need no rule: their
	// fingerprint names the schema.
	Types []Rule `yaml:"types"`
}

// Empty reports whether no schema is named.
func (a AvroConfig) Empty() bool { return len(a.Schemas) == 0 }

// HookConfig is a decoder hook: a program that decodes the messages bound
// to it (see docs/formats.md for the protocol).
type HookConfig struct {
	Name string `yaml:"name"`
	// Command is the program and its arguments; no shell is involved.
	Command []string `yaml:"command"`
	// ContentTypes bind the hook to messages by content type; * is a
	// wildcard ("application/x-legacy", "application/vnd.acme.*").
	ContentTypes []string `yaml:"content-types"`
	// Match binds the hook by exchange, routing key or header (the rules'
	// Type is unused).
	Match []Rule `yaml:"match"`
	// Filter binds the hook by a filter expression, compiled by the
	// caller (formats/load takes the compiler).
	Filter string `yaml:"filter"`
	// Timeout is the time limit per message (default 2s).
	Timeout time.Duration `yaml:"timeout"`
	// MaxBody is the largest body sent to the hook (default 1 MiB); larger
	// ones go to the built-in decoders. MaxAnswer bounds an answer line
	// (default 4 MiB).
	MaxBody   int `yaml:"max-body"`
	MaxAnswer int `yaml:"max-answer"`
}

// Hook defaults.
const (
	DefaultHookTimeout   = 2 * time.Second
	DefaultHookMaxBody   = 1 << 20
	DefaultHookMaxAnswer = 4 << 20
)

// Check finds what cannot work before anything is loaded or started.
func (c Config) Check() error {
	var errs []error
	for i, r := range c.Proto.Types {
		if err := r.check(true); err != nil {
			errs = append(errs, fmt.Errorf("proto types[%d]: %w", i, err))
		}
	}
	if len(c.Proto.Types) > 0 && c.Proto.Empty() {
		errs = append(errs, errors.New("proto types are mapped but no .proto file or descriptor set is named: add proto files or descriptor-sets"))
	}
	for i, r := range c.Avro.Types {
		if err := r.check(true); err != nil {
			errs = append(errs, fmt.Errorf("avro types[%d]: %w", i, err))
		}
	}
	if len(c.Avro.Types) > 0 && c.Avro.Empty() {
		errs = append(errs, errors.New("avro types are mapped but no schema is named: add avro schemas"))
	}
	names := map[string]bool{}
	for i, h := range c.Hooks {
		label := fmt.Sprintf("hooks[%d]", i)
		if h.Name != "" {
			label = "hook " + h.Name
		}
		switch {
		case len(h.Command) == 0 || strings.TrimSpace(h.Command[0]) == "":
			errs = append(errs, fmt.Errorf("%s: no command: give the program to run and its arguments", label))
		case len(h.ContentTypes) == 0 && len(h.Match) == 0 && h.Filter == "":
			errs = append(errs, fmt.Errorf("%s: bound to no message: give content-types, match or filter", label))
		case h.Timeout < 0 || h.MaxBody < 0 || h.MaxAnswer < 0:
			errs = append(errs, fmt.Errorf("%s: timeout, max-body and max-answer must not be negative", label))
		case h.Name != "" && names[h.Name]:
			errs = append(errs, fmt.Errorf("%s is defined twice", label))
		}
		for j, r := range h.Match {
			if err := r.check(false); err != nil {
				errs = append(errs, fmt.Errorf("%s match[%d]: %w", label, j, err))
			}
		}
		names[h.Name] = true
	}
	return errors.Join(errs...)
}

// WithDefaults fills a hook's unset limits and name.
func (h HookConfig) WithDefaults(i int) HookConfig {
	if h.Name == "" && len(h.Command) > 0 {
		h.Name = fmt.Sprintf("hook%d", i+1)
	}
	if h.Timeout == 0 {
		h.Timeout = DefaultHookTimeout
	}
	if h.MaxBody == 0 {
		h.MaxBody = DefaultHookMaxBody
	}
	if h.MaxAnswer == 0 {
		h.MaxAnswer = DefaultHookMaxAnswer
	}
	return h
}

// Merge adds what other configures to c: flags add to the file.
func (c Config) Merge(other Config) Config {
	c.Proto.Files = append(c.Proto.Files, other.Proto.Files...)
	c.Proto.ImportPaths = append(c.Proto.ImportPaths, other.Proto.ImportPaths...)
	c.Proto.DescriptorSets = append(c.Proto.DescriptorSets, other.Proto.DescriptorSets...)
	c.Proto.TypeHeaders = append(c.Proto.TypeHeaders, other.Proto.TypeHeaders...)
	// Rules from flags come first: the first match wins.
	c.Proto.Types = append(append([]Rule(nil), other.Proto.Types...), c.Proto.Types...)
	c.Proto.Trial = c.Proto.Trial || other.Proto.Trial
	c.Avro.Schemas = append(c.Avro.Schemas, other.Avro.Schemas...)
	c.Avro.Types = append(append([]Rule(nil), other.Avro.Types...), c.Avro.Types...)
	c.Hooks = append(append([]HookConfig(nil), other.Hooks...), c.Hooks...)
	return c
}
