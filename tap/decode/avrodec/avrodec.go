// Package avrodec decodes Avro messages with the user's schema files
// (hamba/avro): bodies in single-object encoding, whose fingerprint names
// the schema, and raw binary bodies mapped to a schema by exchange,
// routing key or header. It plugs into package decode as a
// decode.Extension.
package avrodec

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hamba/avro/v2"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

const (
	maxSchemaFiles = 4096
	maxSchemaSize  = 16 << 20
	// maxRecursiveBody bounds the body decoded with a recursive schema:
	// each level of nesting costs the decoder stack and a byte of body.
	maxRecursiveBody = 16 << 10
)

// singleObjectMagic starts a single-object encoded body; the 8 bytes
// after it are the CRC-64-AVRO fingerprint of the writer's schema,
// little-endian.
var singleObjectMagic = []byte{0xc3, 0x01}

// schema is one loaded named schema.
type schema struct {
	s         avro.NamedSchema
	file      string
	recursive bool
}

// Registry holds the loaded schemas by full name and by fingerprint.
type Registry struct {
	byName map[string]*schema
	byFP   map[uint64]*schema
	names  []string
	api    avro.API
}

// Load parses the schema files, and every .avsc file under the named
// directories. A schema may refer to named types of files parsed before
// it; the files are retried until every reference resolves.
func Load(paths []string) (*Registry, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("avro schema %s: %w", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".avsc") {
				if len(files) >= maxSchemaFiles {
					return fmt.Errorf("more than %d .avsc files: name the schema directory itself", maxSchemaFiles)
				}
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("avro schema directory %s: %w", p, err)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .avsc file in %s", strings.Join(paths, ", "))
	}
	r := &Registry{
		byName: map[string]*schema{},
		byFP:   map[uint64]*schema{},
		api:    avro.Config{MaxByteSliceSize: decode.MaxParse, MaxSliceAllocSize: decode.MaxParse}.Freeze(),
	}
	cache := &avro.SchemaCache{}
	pending := files
	for len(pending) > 0 {
		var failed []string
		var lastErr error
		for _, f := range pending {
			if err := r.parseFile(f, cache); err != nil {
				failed, lastErr = append(failed, f), err
			}
		}
		if len(failed) == len(pending) {
			return nil, fmt.Errorf("avro schema %s: %w (a named type it uses must be in a schema file given too)", failed[0], lastErr)
		}
		pending = failed
	}
	slices.Sort(r.names)
	return r, nil
}

func (r *Registry) parseFile(path string, cache *avro.SchemaCache) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Size() > maxSchemaSize {
		return fmt.Errorf("%d bytes: too large for a schema", st.Size())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s, err := avro.ParseBytesWithCache(raw, "", cache)
	if err != nil {
		return err
	}
	return r.add(s, path, 0)
}

// add registers a named schema and the named schemas it defines.
func (r *Registry) add(s avro.Schema, file string, depth int) error {
	if depth > 64 {
		return nil
	}
	switch x := s.(type) {
	case *avro.RecordSchema:
		for _, f := range x.Fields() {
			if err := r.add(f.Type(), file, depth+1); err != nil {
				return err
			}
		}
	case *avro.ArraySchema:
		return r.add(x.Items(), file, depth+1)
	case *avro.MapSchema:
		return r.add(x.Values(), file, depth+1)
	case *avro.UnionSchema:
		for _, t := range x.Types() {
			if err := r.add(t, file, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	n, ok := s.(avro.NamedSchema)
	if !ok {
		return nil
	}
	if _, isRef := s.(*avro.RefSchema); isRef {
		return nil
	}
	name := n.FullName()
	if old, dup := r.byName[name]; dup {
		if old.s.String() != n.String() {
			return fmt.Errorf("%s is defined again, differently, after %s: load one definition", name, old.file)
		}
		return nil
	}
	fp, err := n.FingerprintUsing(avro.CRC64AvroLE)
	if err != nil {
		return fmt.Errorf("%s: fingerprint: %w", name, err)
	}
	spec, err := specFingerprint(n.String())
	if err != nil {
		return fmt.Errorf("%s: fingerprint: %w", name, err)
	}
	sc := &schema{s: n, file: file, recursive: isRecursive(n, nil)}
	r.byName[name] = sc
	r.byFP[binary.LittleEndian.Uint64(fp)] = sc
	r.byFP[spec] = sc
	r.names = append(r.names, name)
	return nil
}

// isRecursive reports whether a schema refers to itself or to a schema
// that holds it.
func isRecursive(s avro.Schema, stack []string) bool {
	if len(stack) > 64 {
		return true
	}
	switch x := s.(type) {
	case *avro.RefSchema:
		return slices.Contains(stack, x.Schema().FullName())
	case *avro.RecordSchema:
		stack = append(stack, x.FullName())
		for _, f := range x.Fields() {
			if isRecursive(f.Type(), stack) {
				return true
			}
		}
	case *avro.ArraySchema:
		return isRecursive(x.Items(), stack)
	case *avro.MapSchema:
		return isRecursive(x.Values(), stack)
	case *avro.UnionSchema:
		for _, t := range x.Types() {
			if isRecursive(t, stack) {
				return true
			}
		}
	}
	return false
}

// Names lists the loaded named schemas, sorted.
func (r *Registry) Names() []string { return r.names }

// Decoder is the Avro decode.Extension.
type Decoder struct {
	reg   *Registry
	rules []formats.Rule
}

// New returns the Avro decoder for a registry and the configuration's
// mappings. Every mapped type must be loaded.
func New(reg *Registry, cfg formats.AvroConfig) (*Decoder, error) {
	for _, r := range cfg.Types {
		if _, ok := reg.byName[r.Type]; !ok {
			return nil, fmt.Errorf("avro type mapping for %s: %q is not a loaded schema (loaded: %s): use the schema's full name, namespace included", r.Describe(), r.Type, strings.Join(reg.names, ", "))
		}
	}
	return &Decoder{reg: reg, rules: cfg.Types}, nil
}

// avroMediaTypes are the content types that say a body is Avro binary.
var avroMediaTypes = map[string]bool{
	"avro/binary": true, "application/avro": true, "application/x-avro-binary": true,
	"application/vnd.apache.avro+binary": true, "avro/bytes": true,
}

// Decode claims single-object encoded bodies whose fingerprint is a loaded
// schema's, and bodies a mapping names a schema for.
func (d *Decoder) Decode(in decode.Input, body []byte) (decode.Result, bool) {
	mt, _, _ := mime.ParseMediaType(in.ContentType)
	avroCT := avroMediaTypes[mt]
	rule, mapped := formats.First(d.rules, in)
	single := len(body) >= 10 && bytes.HasPrefix(body, singleObjectMagic)
	if single {
		fp := binary.LittleEndian.Uint64(body[2:10])
		if sc, ok := d.reg.byFP[fp]; ok {
			return d.render(in, sc, body[10:], fmt.Sprintf("single-object fingerprint %016x", fp)), true
		}
		if avroCT || mapped {
			r := decode.Generic(in, body)
			r.Format = "avro"
			r.AddField("Fingerprint", fmt.Sprintf("%016x", fp))
			r.AddNote(fmt.Sprintf("single-object encoding with fingerprint %016x (CRC-64-AVRO) that no loaded schema has: load the writer's schema", fp))
			return r, true
		}
		return decode.Result{}, false
	}
	if !mapped {
		if avroCT {
			r := decode.Generic(in, body)
			r.Format = "avro"
			r.AddNote("Avro content type but no schema is named (no single-object header, no mapping): map the messages to a schema")
			return r, true
		}
		return decode.Result{}, false
	}
	return d.render(in, d.reg.byName[rule.Type], body, "mapping for "+rule.Describe()), true
}

// render decodes body with a schema and fills a Result.
func (d *Decoder) render(in decode.Input, sc *schema, body []byte, from string) decode.Result {
	name := sc.s.FullName()
	fail := func(why string) decode.Result {
		r := decode.Generic(in, body)
		r.Format = "avro"
		r.AddField("Type", name)
		r.AddField("Type from", from)
		r.AddNote(why)
		return r
	}
	switch {
	case len(body) > decode.MaxParse:
		return fail(fmt.Sprintf("body of %d bytes is larger than the %d parsed", len(body), decode.MaxParse))
	case sc.recursive && len(body) > maxRecursiveBody:
		return fail(fmt.Sprintf("%s is recursive and the body is larger than the %d bytes decoded with such schemas", name, maxRecursiveBody))
	}
	if err := countValues(sc.s, body); err != nil {
		return fail(fmt.Sprintf("body does not parse as %s: %v", name, err))
	}
	v, rest, err := d.unmarshal(sc.s, body)
	if err != nil {
		return fail(fmt.Sprintf("body does not parse as %s: %v", name, err))
	}
	js, err := json.Marshal(jsonValue(v, 0))
	if err != nil {
		return fail(fmt.Sprintf("decoded %s but cannot show it: %v", name, err))
	}
	var r decode.Result
	r.Format = "avro"
	r.Summary = decode.JSONSummary(sc.s.Name(), js)
	r.AddField("Type", name)
	r.AddField("Type from", from)
	r.AddField("Schema", sc.file)
	if rest {
		r.AddNote(fmt.Sprintf("bytes after the %s record were not decoded: is the mapping right?", name))
	}
	if in.Brief() {
		// The decoding stage's reading: the rendered body only when a
		// free-text filter asks (it calls Summarize then).
		r.Body = decode.Body{Kind: decode.BodyJSON}
	} else {
		r.Body = decode.JSONBody(js)
	}
	r.SetTerm("type", name)
	r.SetTermsFromJSON("avro", js)
	return r
}

// unmarshal decodes one datum and says whether bytes were left over.
func (d *Decoder) unmarshal(s avro.Schema, body []byte) (v any, rest bool, err error) {
	rd := avro.NewReader(nil, 0, avro.WithReaderConfig(d.reg.api)).Reset(body)
	rd.ReadVal(s, &v)
	if rd.Error != nil {
		return nil, false, rd.Error
	}
	rd.Peek()
	return v, rd.Error == nil, nil
}

// jsonValue makes a decoded datum JSON-friendly: maps with non-string
// keys do not occur in Avro, but byte slices and fixed arrays do.
func jsonValue(v any, depth int) any {
	if depth > 256 {
		return "…"
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = jsonValue(val, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = jsonValue(x[i], depth+1)
		}
		return out
	}
	return v
}
