package protodec

import (
	"fmt"
	"maps"
	"mime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

// Limits for hostile bodies beyond decode.MaxParse.
const (
	// recursionLimit bounds message nesting, as decode's maxDepth does.
	recursionLimit = 64
	// maxTrialTypes bounds the types a trial decode tries.
	maxTrialTypes = 256
	// maxTrialBody bounds the body a trial decode is attempted on.
	maxTrialBody = 64 << 10
	// maxTrialWork bounds the bytes parsed by one trial decode in all
	// (types tried × body size), so that a stream of hostile bodies
	// cannot stall the decoding stage.
	maxTrialWork = 1 << 20
)

// Decoder is the Protobuf decode.Extension.
type Decoder struct {
	// bufs holds the scan's buffers between messages (*scanBufs): the
	// decoding stage would otherwise allocate a few KiB per message.
	bufs sync.Pool
	// contentTypes holds what choose found in the content types met so
	// far (at most maxContentTypes): a tap sees a few, again and again,
	// and every message is offered to this decoder first.
	contentTypes atomic.Pointer[map[string]contentType]
	reg          *Registry
	rules        []formats.Rule
	typeHeaders  []string
	trial        bool
}

// New returns the Protobuf decoder for a registry and the configuration's
// mappings. Every mapped type must be in the registry.
func New(reg *Registry, cfg formats.ProtoConfig) (*Decoder, error) {
	for _, r := range cfg.Types {
		if _, ok := reg.Message(r.Type); !ok {
			return nil, fmt.Errorf("protobuf type mapping for %s: type %q is not in the schemas%s: use a message's full name, package included (the schemas define %s)", r.Describe(), r.Type, reg.suggest(r.Type), reg.describe())
		}
	}
	headers := cfg.TypeHeaders
	if len(headers) == 0 {
		headers = formats.DefaultTypeHeaders()
	}
	d := &Decoder{reg: reg, rules: cfg.Types, typeHeaders: headers, trial: cfg.Trial}
	d.bufs.New = func() any { return new(scanBufs) }
	return d, nil
}

// scanBufs are a scan's summary and search buffers.
type scanBufs struct{ sum, search []byte }

// protoMediaTypes are the content types that say a body is Protobuf.
var protoMediaTypes = map[string]bool{
	"application/x-protobuf": true, "application/protobuf": true,
	"application/vnd.google.protobuf": true, "application/x-google-protobuf": true,
	"application/octet-stream+protobuf": true, "application/x-proto": true,
}

// contentType is what choose reads from a content type.
type contentType struct {
	proto      bool   // its media type says Protobuf
	name, from string // the type its proto or messageType parameter names
}

// maxContentTypes bounds Decoder.contentTypes.
const maxContentTypes = 64

// typeParams are the content type's parameters that name the type, in
// the order they are looked at, with where choose says the type came from.
var typeParams = [...]struct{ param, from string }{
	{"proto", "content type's proto parameter"},
	{"messagetype", "content type's messagetype parameter"},
}

// contentType parses a content type (mime.ParseMediaType allocates a map
// and strings each time), remembering the answer.
func (d *Decoder) contentType(ct string) contentType {
	var known map[string]contentType
	if m := d.contentTypes.Load(); m != nil {
		known = *m
	}
	if c, ok := known[ct]; ok {
		return c
	}
	mt, params, _ := mime.ParseMediaType(ct)
	c := contentType{proto: protoMediaTypes[mt]}
	for _, p := range typeParams {
		if v := params[p.param]; v != "" {
			c.name, c.from = v, p.from
			break
		}
	}
	if len(known) < maxContentTypes {
		// Copied, not changed: readers use the old map without a lock.
		// Two goroutines adding at once may lose one entry; it comes
		// back next time.
		next := make(map[string]contentType, len(known)+1)
		maps.Copy(next, known)
		next[ct] = c
		d.contentTypes.Store(&next)
	}
	return c
}

// choice is the type a message names or is mapped to, and where that
// came from.
type choice struct {
	name   string
	from   string
	strict bool // the message named it: claim even when unknown
}

// Decode claims a message whose type the message or a mapping names, or,
// with trial on, a protobuf-typed body that names none.
func (d *Decoder) Decode(in decode.Input, body []byte) (decode.Result, bool) {
	c, protoCT := d.choose(in)
	if c.name == "" {
		if protoCT && d.trial {
			return d.decodeByTrial(in, body), true
		}
		if protoCT {
			r := decode.Generic(in, body)
			r.Format = "protobuf"
			r.AddNote("Protobuf content type but no type is named (no proto or messageType parameter, type header or mapping): give a mapping, or turn trial on")
			return r, true
		}
		return decode.Result{}, false
	}
	md, ok := d.reg.Message(c.name)
	if !ok {
		if !c.strict {
			return decode.Result{}, false
		}
		r := decode.Generic(in, body)
		r.Format = "protobuf"
		r.AddField("Type", c.name)
		r.AddField("Type from", c.from)
		r.AddNote(fmt.Sprintf("type %s (from the %s) is not in the loaded schemas%s: load the .proto file that defines it (loaded: %s)", c.name, c.from, d.reg.suggest(c.name), d.reg.describe()))
		return r, true
	}
	if in.Summarizing() {
		if r, ok := d.summarize(md, c.from, body, !in.Brief()); ok {
			return r, true
		}
		// The library's decode says why the body does not parse.
	}
	msg, err := d.unmarshal(md, body)
	if err != nil {
		r := decode.Generic(in, body)
		r.Format = "protobuf"
		r.AddField("Type", string(md.FullName()))
		r.AddField("Type from", c.from)
		r.AddNote(fmt.Sprintf("body does not parse as %s: %v", md.FullName(), err))
		return r, true
	}
	return d.render(msg, c.from, ""), true
}

// choose finds the type: the content type's parameter, a type header, the
// AMQP type property (when the schemas have it), then the mappings.
func (d *Decoder) choose(in decode.Input) (choice, bool) {
	ct := d.contentType(in.ContentType)
	protoCT := ct.proto
	if ct.name != "" {
		return choice{name: ct.name, from: ct.from, strict: true}, protoCT
	}
	for _, h := range d.typeHeaders {
		if v, ok := decode.HeaderString(in.Headers, h); ok {
			return choice{name: v, from: "header " + h, strict: true}, protoCT
		}
	}
	if in.Type != "" {
		if _, ok := d.reg.Message(in.Type); ok {
			return choice{name: in.Type, from: "AMQP type property"}, protoCT
		}
	}
	if r, ok := formats.First(d.rules, in); ok {
		return choice{name: r.Type, from: "mapping for " + r.Describe(), strict: true}, protoCT
	}
	return choice{}, protoCT
}

func (d *Decoder) unmarshal(md protoreflect.MessageDescriptor, body []byte) (msg *dynamicpb.Message, err error) {
	// google.golang.org/protobuf can panic on a hostile body (a map entry
	// whose key never comes, seen by FuzzProtobuf): that is a body that
	// does not parse, not a decoder failure.
	defer func() {
		if p := recover(); p != nil {
			msg, err = nil, fmt.Errorf("the protobuf library could not read it (%v)", p)
		}
	}()
	if len(body) > decode.MaxParse {
		return nil, fmt.Errorf("body of %d bytes is larger than the %d parsed", len(body), decode.MaxParse)
	}
	if err := countFields(md, body); err != nil {
		return nil, err
	}
	msg = dynamicpb.NewMessage(md)
	// AllowPartial skips the required-fields walk: a message missing one
	// is still worth showing.
	opts := proto.UnmarshalOptions{RecursionLimit: recursionLimit, Resolver: d.reg.types, AllowPartial: true}
	if err := opts.Unmarshal(body, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// summarize is the decoding stage's result for a body of a named type,
// from one scan of its wire format (scan.go) instead of a decode: the same
// format, fields, notes and filter terms as render's, a summary of the
// scalar fields and singular messages, and the fields' values for the
// free-text filter when withText is set (the reading asks for them only
// when a free-text filter searches: decode.Input.Brief). It returns false
// for a body that does not parse (or that only the library reads): Decode
// then decodes it with the library, which says why.
func (d *Decoder) summarize(md protoreflect.MessageDescriptor, from string, body []byte, withText bool) (decode.Result, bool) {
	if len(body) > decode.MaxParse {
		return decode.Result{}, false
	}
	p, ok := d.reg.plans[md]
	if !ok {
		return decode.Result{}, false
	}
	bufs := d.bufs.Get().(*scanBufs)
	defer d.bufs.Put(bufs)
	s := scan{types: d.reg.types, plans: d.reg.plans, known: d.reg.known, sum: bufs.sum[:0], search: text{b: bufs.search}}
	if !withText {
		s.search.n = searchBudget // full from the start: no line is written
	}
	s.sum = append(s.sum, '{')
	err := s.message(p, body, recursionLimit, "proto", 0, true)
	if cap(s.sum) <= 8*summaryBudget { // not grown by a long value
		bufs.sum = s.sum[:0] // kept for the next message
	}
	bufs.search = s.search.b // at most searchBudget, never grown when !withText
	if err != nil {
		return decode.Result{}, false
	}
	s.sum = append(s.sum, '}')
	if md.FullName().Parent() == "google.protobuf" {
		// A body that is a well-known type (a Struct) is a JSON value
		// to protojson, not an object of its fields.
		if s.sum = s.sum[:0]; !s.appendWellKnown(p, body, decode.MaxParse) {
			return decode.Result{}, false
		}
	}
	name := string(md.FullName())
	r := s.res
	r.Format = "protobuf"
	if s.anyNote != "" {
		r.AddNote(s.anyNote)
	}
	r.Summary = decode.JSONSummary(string(md.Name()), s.sum)
	// Room for the fields below and one the decoding stage may add.
	r.Fields = make([]decode.Field, 0, 5)
	r.AddField("Type", name)
	r.AddField("Type from", from)
	r.AddField("Schema", md.ParentFile().Path())
	if s.unknown > 0 {
		r.AddField("Unknown fields", strconv.Itoa(s.unknown)+" bytes")
		r.AddNote(fmt.Sprintf("%d bytes of fields are not in %s: the sender's schema may be newer than the one loaded", s.unknown, name))
	}
	r.Body = decode.Body{Kind: decode.BodyText}
	if withText {
		r.Body.Text = s.search.String()
	}
	r.SetTerm("type", name)
	return r, true
}

// render fills a Result from a parsed message.
func (d *Decoder) render(msg *dynamicpb.Message, from, trialNote string) decode.Result {
	md := msg.Descriptor()
	var r decode.Result
	r.Format = "protobuf"
	name := string(md.FullName())
	js, err := protojson.MarshalOptions{UseProtoNames: true, Resolver: d.reg.types, AllowPartial: true}.Marshal(msg)
	if err != nil {
		// An Any of a type not loaded: show what can be shown.
		js, _ = protojson.MarshalOptions{UseProtoNames: true, Resolver: d.reg.types, AllowPartial: true}.Marshal(clearUnresolvable(msg))
		r.AddNote("part of the message could not be shown as JSON: " + err.Error())
	}
	r.Summary = decode.JSONSummary(string(md.Name()), js)
	r.AddField("Type", name)
	r.AddField("Type from", from)
	r.AddField("Schema", md.ParentFile().Path())
	if n := unknownBytes(msg.ProtoReflect(), 0); n > 0 {
		r.AddField("Unknown fields", strconv.Itoa(n)+" bytes")
		r.AddNote(fmt.Sprintf("%d bytes of fields are not in %s: the sender's schema may be newer than the one loaded", n, name))
	}
	if trialNote != "" {
		r.AddNote(trialNote)
	}
	r.Body = decode.JSONBody(js)
	r.SetTerm("type", name)
	n := 0
	setTerms(&r, "proto", msg, 0, &n)
	return r
}

// clearUnresolvable drops Any fields whose type is unknown, on a copy.
func clearUnresolvable(msg *dynamicpb.Message) *dynamicpb.Message {
	c := proto.Clone(msg).(*dynamicpb.Message)
	c.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Any" {
			c.Clear(fd)
		}
		return true
	})
	return c
}

// unknownBytes counts the bytes of unknown fields in m and the messages
// it holds.
func unknownBytes(m protoreflect.Message, depth int) int {
	if depth > recursionLimit {
		return 0
	}
	n := len(m.GetUnknown())
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil {
			return true
		}
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					n += unknownBytes(mv.Message(), depth+1)
					return true
				})
			}
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				n += unknownBytes(l.Get(i).Message(), depth+1)
			}
		default:
			n += unknownBytes(v.Message(), depth+1)
		}
		return true
	})
	return n
}

// populated counts the fields set in m and the messages it holds, to rank
// trial decodes.
func populated(m protoreflect.Message, depth int) int {
	if depth > 8 {
		return 0
	}
	n := 0
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		n++
		if fd.Message() != nil && !fd.IsList() && !fd.IsMap() {
			n += populated(v.Message(), depth+1)
		}
		return true
	})
	return n
}

// decodeByTrial tries every loaded type and keeps the one that parses the
// body with no unknown fields and the most fields set. It is labelled as a
// trial: a Protobuf body does not say its type, and several types may fit.
func (d *Decoder) decodeByTrial(in decode.Input, body []byte) decode.Result {
	fail := func(why string) decode.Result {
		r := decode.Generic(in, body)
		r.Format = "protobuf"
		r.AddNote(why)
		return r
	}
	if len(body) > maxTrialBody {
		return fail(fmt.Sprintf("no type named and the body is larger than the %d bytes tried by trial: give a mapping", maxTrialBody))
	}
	var best *dynamicpb.Message
	bestScore, fits, tried := -1, 0, 0
	for _, name := range d.reg.names {
		if tried == maxTrialTypes || (tried+1)*len(body) > maxTrialWork {
			break
		}
		tried++
		md, _ := d.reg.Message(string(name))
		msg, err := d.unmarshal(md, body)
		if err != nil || unknownBytes(msg, 0) > 0 {
			continue
		}
		fits++
		if s := populated(msg, 0); s > bestScore {
			best, bestScore = msg, s
		}
	}
	if best == nil {
		return fail(fmt.Sprintf("no type named, and none of the %d types tried parses the body without unknown fields: give a mapping", tried))
	}
	note := fmt.Sprintf("decoded by trial: no type named; %d of %d types tried parse the body, %s sets the most fields", fits, tried, best.Descriptor().FullName())
	if fits == 1 {
		note = fmt.Sprintf("decoded by trial: no type named; %s is the only one of %d types tried that parses the body", best.Descriptor().FullName(), tried)
	}
	r := d.render(best, "trial", note)
	r.Format = "protobuf?"
	r.Summary = decode.SummaryLine("(trial) " + r.Summary)
	return r
}

// String describes the decoder for status lines.
func (d *Decoder) String() string {
	return fmt.Sprintf("protobuf (%d types, %d mappings)", len(d.reg.names), len(d.rules))
}

// maxTerms bounds the filter terms one message gets from its fields.
const maxTerms = 64

// setTerms adds a filter term for each set scalar field, named by the
// dotted path of field names (proto.order_id, proto.customer.name), a few
// levels deep. Lists and maps are left out, except maps with string keys
// (proto.labels.region); secret-looking names are skipped.
func setTerms(r *decode.Result, path string, m protoreflect.Message, depth int, n *int) {
	if depth > 3 {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if *n >= maxTerms {
			return false
		}
		name := path + "." + strings.ToLower(string(fd.Name()))
		if decode.IsSecretKey(string(fd.Name())) {
			return true
		}
		switch {
		case fd.IsList():
		case fd.IsMap():
			if fd.MapKey().Kind() != protoreflect.StringKind || fd.MapValue().Message() != nil {
				return true
			}
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				key := k.String()
				if *n >= maxTerms || decode.IsSecretKey(key) || strings.ContainsAny(key, " \t:\"") {
					return *n < maxTerms
				}
				*n++
				r.SetTerm(name+"."+strings.ToLower(key), scalar(fd.MapValue(), mv))
				return true
			})
		case fd.Message() != nil:
			if fd.Message().FullName().Parent() == "google.protobuf" {
				return true // well-known types render as JSON values, not fields
			}
			setTerms(r, name, v.Message(), depth+1, n)
		default:
			*n++
			r.SetTerm(name, scalar(fd, v))
		}
		return true
	})
}

// scalar renders a scalar field as protojson does (enums by name).
func scalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(v.Enum()))
	case protoreflect.BytesKind:
		return fmt.Sprintf("%d bytes", len(v.Bytes()))
	}
	return v.String()
}
