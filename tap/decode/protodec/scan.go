package protodec

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// The decoding stage reads every message; the detail view shows one. So
// the decoding stage does not build the message (dynamicpb) nor render it
// (protojson): it walks the wire format once with protowire, guided by the
// type's descriptor, and learns what the table, the filter and JSON lines
// need. The walk follows proto.UnmarshalOptions' own rules (as used on a
// dynamicpb message: AllowPartial, RecursionLimit), so that it parses
// exactly the bodies the library parses and counts the same unknown
// fields; FuzzProtobuf holds it to that. The detail view decodes with the
// library (Reading.Body).

const (
	// summaryBudget is how much summary JSON the scan renders: a little
	// more than the summary shows, so that a cut summary says so.
	summaryBudget = 256
	// searchBudget bounds the text the free-text filter searches, as the
	// reading does for a rendered body.
	searchBudget = 16 << 10
)

// errFallback sends a body to the library's decode: the scan does not
// follow the message set wire format.
var errFallback = errors.New("message set wire format")

// errWireType is a known field with another wire type than its kind's:
// the library keeps it as an unknown field.
var errWireType = errors.New("wire type mismatch")

// errMalformed is the library's errDecode: its text is found by decoding
// with the library (see summarize).
var errMalformed = errors.New("cannot parse invalid wire-format data")

// scan is one walk over a body.
type scan struct {
	types   resolver
	plans   map[protoreflect.MessageDescriptor]*plan // Registry.plans
	known   map[string]bool                          // Registry.known
	fields  int                                      // fields seen, nested ones included, bounded by maxFields
	unknown int                                      // bytes of unknown fields, as unknownBytes counts them

	res   decode.Result // held here, not pointed to, so that it stays off the heap
	terms int           // filter terms set, bounded by maxTerms

	sum     []byte // summary JSON, as protojson writes it (fields in wire order)
	sumFull bool   // the summary has its budget
	search  text   // "name: value" lines for the free-text filter
	anyNote string // an Any of a type not loaded
	// dropSum says the summary leaves out the field just read: it is
	// unpopulated (as protojson does), or a well-known type the library
	// would not render.
	dropSum bool
}

// resolver is where the scan looks extensions and Any types up
// (dynamicpb.Types, as the library's decode does).
type resolver interface {
	protoregistry.ExtensionTypeResolver
	protoregistry.MessageTypeResolver
}

// message walks one message. limit is the library's recursion budget;
// term is the filter-term path ("" once terms stop: deep, secret, in a
// list); inSum says whether the summary shows this message's fields.
func (s *scan) message(p *plan, b []byte, limit int, term string, termDepth int, inSum bool) error {
	if limit--; limit < 0 {
		return errRecursion
	}
	if p.messageSet {
		return errFallback
	}
	first := true
	// open is the list or map whose elements the summary is writing:
	// protojson writes a repeated field's elements together, and
	// encoders write them together.
	var open *fieldPlan
	var own owned
	for len(b) > 0 {
		num, wtyp, tagLen := consumeTag(b)
		if tagLen < 0 || num > protowire.MaxValidNumber {
			return errMalformed
		}
		if s.fields++; s.fields > maxFields {
			return errTooMany
		}
		var fp *fieldPlan
		if int(num) < len(p.fields) {
			fp = p.fields[num] // the common case, without a call
		}
		if fp == nil {
			var err error
			if fp, err = p.field(num, s); err != nil {
				return err
			}
		}
		n, err := 0, errWireType
		if fp != nil {
			fterm := ""
			if term != "" && termDepth <= 3 && fp.terms {
				fterm = fp.term(term)
			}
			fsum := inSum && !s.sumFull
			mark, wasFirst, wasOpen := len(s.sum), first, open
			switch {
			case fsum && open != fp:
				if open != nil {
					s.sum = append(s.sum, closer(open))
					open = nil
				}
				if !first {
					s.sum = append(s.sum, ',')
				}
				first = false
				s.sum = appendJSONString(s.sum, fp.name)
				s.sum = append(s.sum, ':')
				if fp.list || fp.isMap {
					s.sum = append(s.sum, opener(fp))
					open = fp
				}
			case fsum:
				s.sum = append(s.sum, ',')
			}
			s.dropSum = false
			before := s.unknown
			switch {
			case fp.list:
				n, err = s.list(fp, wtyp, b[tagLen:], limit, fsum)
			case fp.isMap:
				n, err = s.mapEntry(fp, wtyp, b[tagLen:], limit, fterm, fsum, &own)
			default:
				n, err = s.singular(fp, wtyp, b[tagLen:], limit, fterm, termDepth, fsum)
			}
			if err == nil && fp.oneof != nil {
				s.unknown -= own.member(fp, s.unknown-before)
				if fterm != "" {
					s.clearOneof(term, fp)
				}
			}
			if fsum && (err != nil || s.dropSum) {
				// An unknown field, an unpopulated one, or no summary at all.
				s.sum, first, open = s.sum[:mark], wasFirst, wasOpen
			}
		}
		if err != nil {
			if err != errWireType {
				return err
			}
			n = protowire.ConsumeFieldValue(num, wtyp, b[tagLen:])
			if n < 0 {
				return errMalformed
			}
			s.unknown += tagLen + n
		}
		b = b[tagLen+n:]
	}
	if open != nil {
		s.sum = append(s.sum, closer(open))
	}
	return nil
}

// owned counts the unknown bytes inside values that a later field of
// the message may replace, to take them back then: the library drops a
// replaced value with its unknown fields (a oneof member another sets, a
// map entry's message value a later entry of the same key replaces).
// Its maps are made only when such bytes are met.
type owned struct {
	oneofs  map[protoreflect.OneofDescriptor]ownedBytes
	entries map[entryKey]int
}

type ownedBytes struct {
	fd protoreflect.FieldDescriptor
	n  int
}

type entryKey struct {
	fd  protoreflect.FieldDescriptor
	key string
	num uint64
}

// member records that a oneof's member was set, holding n bytes of
// unknown fields, and returns those of the member it replaced.
func (o *owned) member(fp *fieldPlan, n int) (dropped int) {
	prev, ok := o.oneofs[fp.oneof]
	if !ok && n == 0 {
		return 0
	}
	if prev.fd == fp.fd {
		n += prev.n // the same message again: merged
	} else {
		dropped = prev.n
	}
	if o.oneofs == nil {
		o.oneofs = map[protoreflect.OneofDescriptor]ownedBytes{}
	}
	o.oneofs[fp.oneof] = ownedBytes{fp.fd, n}
	return dropped
}

// entry records a map entry whose message value holds n bytes of unknown
// fields, and returns those of the entry of the same key it replaced.
func (o *owned) entry(fp *fieldPlan, key wireValue, n int) (dropped int) {
	if n == 0 && o.entries == nil {
		return 0
	}
	k := entryKey{fp.fd, string(key.b), key.u}
	dropped = o.entries[k]
	if o.entries == nil {
		o.entries = map[entryKey]int{}
	}
	o.entries[k] = n
	return dropped
}

func opener(fp *fieldPlan) byte {
	if fp.isMap {
		return '{'
	}
	return '['
}

func closer(fp *fieldPlan) byte {
	if fp.isMap {
		return '}'
	}
	return ']'
}

// singular walks a field that is neither a list nor a map.
func (s *scan) singular(fp *fieldPlan, wtyp protowire.Type, b []byte, limit int, term string, termDepth int, inSum bool) (int, error) {
	if fp.kind == protoreflect.MessageKind || fp.kind == protoreflect.GroupKind {
		v, n, err := consumeMessage(fp, wtyp, b)
		if err != nil {
			return 0, err
		}
		return n, s.subMessage(fp, v, limit, term, termDepth+1, inSum)
	}
	x, n, err := consumeScalar(fp, wtyp, b)
	if err != nil {
		return 0, err
	}
	if inSum && !fp.presence && x.zero() {
		s.dropSum, inSum = true, false
	}
	s.leaf(fp, x, term, inSum)
	return n, nil
}

// leaf records a scalar: its filter term, its summary value and its
// search line.
func (s *scan) leaf(fp *fieldPlan, x wireValue, term string, inSum bool) {
	if inSum {
		s.sum = x.appendJSON(s.sum, fp)
		s.sumFull = len(s.sum) >= summaryBudget
	}
	if term != "" {
		if !fp.presence && x.zero() {
			delete(s.res.Terms, term) // not populated: a later zero clears it
		} else {
			s.setTerm(term, x.term(fp))
		}
	}
	if !s.search.full() && !fp.secret {
		s.search.addLine(fp, x)
	}
}

// clearOneof drops the terms of a oneof's other members: setting one
// clears the rest.
func (s *scan) clearOneof(parent string, fp *fieldPlan) {
	if len(s.res.Terms) == 0 {
		return
	}
	if fp.others != nil {
		for _, o := range fp.others {
			s.clearTerms(o.term(parent))
		}
		return
	}
	fs := fp.oneof.Fields()
	for i := 0; i < fs.Len(); i++ {
		if other := fs.Get(i); other != fp.fd {
			s.clearTerms(parent + "." + strings.ToLower(string(other.Name())))
		}
	}
}

// clearTerms drops the term name and those under it (name.x).
func (s *scan) clearTerms(name string) {
	for k := range s.res.Terms {
		if strings.HasPrefix(k, name) && (len(k) == len(name) || k[len(name)] == '.') {
			delete(s.res.Terms, k)
		}
	}
}

// list walks one occurrence of a repeated field: an element, or packed
// scalars.
func (s *scan) list(fp *fieldPlan, wtyp protowire.Type, b []byte, limit int, inSum bool) (int, error) {
	switch fp.kind {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		v, n, err := consumeMessage(fp, wtyp, b)
		if err != nil {
			return 0, err
		}
		return n, s.subMessage(fp, v, limit, "", 0, inSum)
	case protoreflect.StringKind, protoreflect.BytesKind:
	default:
		if wtyp == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return 0, errMalformed
			}
			if len(v) == 0 {
				s.dropSum = true // no element: nothing to separate
			}
			for i := 0; len(v) > 0; i++ {
				x, m, err := consumeNumber(fp.wire, v)
				if err != nil {
					return 0, err
				}
				if s.fields++; s.fields > maxFields {
					return 0, errTooMany
				}
				w := inSum && !s.sumFull
				if w && i > 0 {
					s.sum = append(s.sum, ',')
				}
				s.leaf(fp, x, "", w)
				v = v[m:]
			}
			return n, nil
		}
	}
	x, n, err := consumeScalar(fp, wtyp, b)
	if err != nil {
		return 0, err
	}
	s.leaf(fp, x, "", inSum)
	return n, nil
}

// mapEntry walks one map entry as the library's unmarshalMap does: its
// unknown fields are dropped, not kept; a missing key or value is the
// default.
func (s *scan) mapEntry(fp *fieldPlan, wtyp protowire.Type, b []byte, limit int, term string, inSum bool, own *owned) (int, error) {
	if limit--; limit < 0 {
		return 0, errRecursion
	}
	if wtyp != protowire.BytesType {
		return 0, errWireType
	}
	b, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return 0, errMalformed
	}
	kf, vf := fp.key, fp.val
	msgVal := vf.kind == protoreflect.MessageKind
	var key, val wireValue
	haveKey := false
	var valSum []byte // a message value's summary: the key may come after it
	before := s.unknown
	for len(b) > 0 {
		num, wtyp, tagLen := consumeTag(b)
		if tagLen < 0 || num > protowire.MaxValidNumber {
			return 0, errMalformed
		}
		if s.fields++; s.fields > maxFields {
			return 0, errTooMany
		}
		b = b[tagLen:]
		m, err := 0, errWireType
		switch {
		case num == 1:
			var x wireValue
			x, m, err = consumeScalar(kf, wtyp, b)
			if err == errWireType && haveKey {
				// The library loses the key it had and panics: it
				// cannot read this entry (seen by FuzzProtobuf).
				return 0, errMalformed
			}
			if err == nil {
				key, haveKey = x, true
			}
		case num == 2 && msgVal:
			var v []byte
			if v, m, err = consumeMessage(vf, wtyp, b); err == nil {
				if err := s.mapValue(vf, v, limit, inSum, &valSum); err != nil {
					return 0, err
				}
			}
		case num == 2:
			var x wireValue
			if x, m, err = consumeScalar(vf, wtyp, b); err == nil {
				val = x
			}
		}
		if err == errWireType {
			m = protowire.ConsumeFieldValue(num, wtyp, b)
			if m < 0 {
				return 0, errMalformed
			}
		} else if err != nil {
			return 0, err
		}
		b = b[m:]
	}
	if msgVal {
		s.unknown -= own.entry(fp, key, s.unknown-before)
	}
	if inSum {
		if kf.kind == protoreflect.StringKind {
			s.sum = appendJSONString(s.sum, key.b)
		} else {
			s.sum = append(s.sum, '"')
			s.sum = key.appendText(s.sum, kf)
			s.sum = append(s.sum, '"')
		}
		s.sum = append(s.sum, ':')
		switch {
		case msgVal && len(valSum) == 0:
			s.sum = append(s.sum, "{}"...) // no value: an empty message
		case msgVal:
			s.sum = append(s.sum, valSum...)
		default:
			s.sum = val.appendJSON(s.sum, vf)
		}
		s.sumFull = len(s.sum) >= summaryBudget
	}
	if !s.search.full() && !fp.secret {
		s.search.addValue(key, kf)
		s.search.addByte(':')
		if !msgVal {
			s.search.addByte(' ')
			s.search.addValue(val, vf)
		}
		s.search.addByte('\n')
	}
	if term == "" || kf.kind != protoreflect.StringKind || msgVal {
		return n, nil
	}
	if decode.IsSecretKeyBytes(key.b) || bytes.ContainsAny(key.b, " \t:\"") {
		return n, nil
	}
	s.setTerm(mapTermName(term, key.b), val.term(vf))
	return n, nil
}

// mapTermName is term + "." + strings.ToLower(key), made with one
// allocation.
func mapTermName(term string, key []byte) string {
	b := make([]byte, 0, 64)
	b = append(b, term...)
	b = append(b, '.')
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return string(append(b[:len(term)+1], strings.ToLower(string(key))...))
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// setTerm sets a filter term, the last value winning as in the decoded
// message: an empty one, which is no term, clears an earlier one.
func (s *scan) setTerm(name, value string) {
	_, ok := s.res.Terms[name]
	switch {
	case value == "":
		delete(s.res.Terms, name)
	case ok || s.terms < maxTerms:
		if !ok {
			s.terms++
		}
		s.res.SetTerm(name, value)
	}
}

// mapValue walks a map's message value, its summary written apart (to
// *sum) for mapEntry to place after the key.
func (s *scan) mapValue(vf *fieldPlan, v []byte, limit int, inSum bool, sum *[]byte) error {
	outer := s.sum
	s.sum = (*sum)[:0] // a second value replaces the first in the summary
	err := s.subMessage(vf, v, limit, "", 0, inSum)
	if s.dropSum {
		s.sum, s.dropSum = s.sum[:0], false // shown as an empty message
	}
	*sum, s.sum = s.sum, outer
	return err
}

// subMessage walks a message field's value and, when inSum, writes it to
// the summary: as an object of its fields, or, for a well-known type, as
// protojson writes it (a time, a duration, a struct).
func (s *scan) subMessage(fp *fieldPlan, v []byte, limit int, term string, termDepth int, inSum bool) error {
	p := s.planOf(fp)
	if fp.wellKnown {
		s.checkAny(fp, v)
		if err := s.message(p, v, limit, "", 0, false); err != nil {
			return err
		}
		// The field is left out when the library cannot render it.
		s.dropSum = inSum && !s.appendWellKnown(p, v, maxWellKnownSum)
		return nil
	}
	if inSum {
		s.sum = append(s.sum, '{')
	}
	err := s.message(p, v, limit, term, termDepth, inSum)
	if inSum {
		s.sum = append(s.sum, '}')
	}
	s.dropSum = false // its last field's, not its own
	return err
}

// maxWellKnownSum bounds a well-known type the summary renders: a bigger
// Struct is left to the detail view.
const maxWellKnownSum = 512

// appendWellKnown writes a well-known type's value, already walked, as
// protojson writes it: the library decodes and renders it (it is small).
func (s *scan) appendWellKnown(p *plan, v []byte, max int) (ok bool) {
	if len(v) > max {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	m := dynamicpb.NewMessage(p.md)
	if err := (proto.UnmarshalOptions{RecursionLimit: recursionLimit, Resolver: s.types, AllowPartial: true}).Unmarshal(v, m); err != nil {
		return false
	}
	js, err := protojson.MarshalOptions{UseProtoNames: true, Resolver: s.types, AllowPartial: true}.Marshal(m)
	if err != nil {
		return false
	}
	s.sum = append(s.sum, js...)
	s.sumFull = len(s.sum) >= summaryBudget
	return true
}

// checkAny notes an Any whose type is not loaded: the detail view shows
// the message without it, as protojson cannot render it.
func (s *scan) checkAny(fp *fieldPlan, b []byte) {
	if !fp.isAny || s.anyNote != "" {
		return
	}
	var url []byte
	for len(b) > 0 {
		num, wtyp, tagLen := protowire.ConsumeTag(b)
		if tagLen < 0 {
			return
		}
		n := protowire.ConsumeFieldValue(num, wtyp, b[tagLen:])
		if n < 0 {
			return
		}
		if num == 1 && wtyp == protowire.BytesType {
			url, _ = protowire.ConsumeBytes(b[tagLen:])
		}
		b = b[tagLen+n:]
	}
	// As FindMessageByURL looks it up, without making a string of the
	// URL (nor a message type).
	name := url[bytes.LastIndexByte(url, '/')+1:]
	if !s.known[string(name)] {
		s.anyNote = fmt.Sprintf("part of the message could not be shown as JSON: an Any holds %q, which is not in the loaded schemas", url)
	}
}

var (
	errRecursion = errors.New("exceeded maximum recursion depth")
	errTooMany   = fmt.Errorf("more than %d fields (nested ones included): not decoded", maxFields)
)

// wireValue is a scalar as found on the wire: a number (varint, fixed32,
// fixed64) or the bytes of a string or bytes field.
type wireValue struct {
	u uint64
	b []byte
}

// consumeTag is protowire.ConsumeTag, the one-byte tags of fields 1 to
// 15 read without a call.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	if len(b) > 0 && b[0] < 0x80 && b[0] >= 1<<3 {
		return protowire.Number(b[0] >> 3), protowire.Type(b[0] & 7), 1
	}
	return protowire.ConsumeTag(b)
}

// consumeBytes is protowire.ConsumeBytes, a length under 128 read
// without a call.
func consumeBytes(b []byte) ([]byte, int) {
	if len(b) > 0 && b[0] < 0x80 && int(b[0]) < len(b) {
		n := 1 + int(b[0])
		return b[1:n], n
	}
	return protowire.ConsumeBytes(b)
}

// consumeMessage reads a message or group field's bytes.
func consumeMessage(fp *fieldPlan, wtyp protowire.Type, b []byte) ([]byte, int, error) {
	if fp.kind == protoreflect.GroupKind {
		if wtyp != protowire.StartGroupType {
			return nil, 0, errWireType
		}
		v, n := protowire.ConsumeGroup(fp.fd.Number(), b)
		if n < 0 {
			return nil, 0, errMalformed
		}
		return v, n, nil
	}
	if wtyp != protowire.BytesType {
		return nil, 0, errWireType
	}
	v, n := consumeBytes(b)
	if n < 0 {
		return nil, 0, errMalformed
	}
	return v, n, nil
}

// wireTypeOf is the wire type of a kind's values.
func wireTypeOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}

// consumeScalar reads a scalar field's value as the library's
// unmarshalScalar does: another wire type makes it unknown, and a proto3
// (or UTF-8-validated) string must be UTF-8.
func consumeScalar(fp *fieldPlan, wtyp protowire.Type, b []byte) (wireValue, int, error) {
	if wtyp != fp.wire {
		return wireValue{}, 0, errWireType
	}
	if wtyp != protowire.BytesType {
		return consumeNumber(wtyp, b)
	}
	v, n := consumeBytes(b)
	if n < 0 {
		return wireValue{}, 0, errMalformed
	}
	if fp.utf8 && !utf8.Valid(v) {
		return wireValue{}, 0, fmt.Errorf("field %v contains invalid UTF-8", fp.fd.FullName())
	}
	return wireValue{b: v}, n, nil
}

// consumeNumber reads one number of a wire type (a packed element, or a
// field's value once its wire type is checked).
func consumeNumber(wtyp protowire.Type, b []byte) (wireValue, int, error) {
	var u uint64
	var n int
	switch wtyp {
	case protowire.Fixed32Type:
		var v uint32
		v, n = protowire.ConsumeFixed32(b)
		u = uint64(v)
	case protowire.Fixed64Type:
		u, n = protowire.ConsumeFixed64(b)
	default:
		if len(b) > 0 && b[0] < 0x80 {
			return wireValue{u: uint64(b[0])}, 1, nil // a small number, without a call
		}
		u, n = protowire.ConsumeVarint(b)
	}
	if n < 0 {
		return wireValue{}, 0, errMalformed
	}
	return wireValue{u: u}, n, nil
}

// enforceUTF8 is the library's rule (internal/strs.EnforceUTF8): proto3
// strings are validated, and editions' when their features say so.
func enforceUTF8(fd protoreflect.FieldDescriptor) bool {
	if fd.Syntax() == protoreflect.Editions {
		if e, ok := fd.(interface{ EnforceUTF8() bool }); ok {
			return e.EnforceUTF8()
		}
	}
	return fd.Syntax() == protoreflect.Proto3
}

// value is the scalar as the library would set it.
func (x wireValue) value(k protoreflect.Kind) protoreflect.Value {
	switch k {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(protowire.DecodeBool(x.u))
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(x.u))
	case protoreflect.Int32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(x.u))
	case protoreflect.Sint32Kind:
		return protoreflect.ValueOfInt32(int32(protowire.DecodeZigZag(x.u & math.MaxUint32)))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(x.u))
	case protoreflect.Int64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(x.u))
	case protoreflect.Sint64Kind:
		return protoreflect.ValueOfInt64(protowire.DecodeZigZag(x.u))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(x.u)
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(math.Float32frombits(uint32(x.u)))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(math.Float64frombits(x.u))
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(string(x.b))
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(x.b)
	}
	return protoreflect.Value{}
}

// zero says whether the value is its kind's zero, which a field without
// presence does not hold (it is unpopulated).
func (x wireValue) zero() bool {
	return x.u == 0 && len(x.b) == 0
}

// term is the filter term's value, as setTerms renders it (scalar):
// strings as they are, integers, bools and bytes' lengths as scalar's
// fmt.Sprint prints them, without making a Value or calling fmt.
func (x wireValue) term(fp *fieldPlan) string {
	switch fp.kind {
	case protoreflect.StringKind:
		return string(x.b)
	case protoreflect.EnumKind, protoreflect.FloatKind, protoreflect.DoubleKind:
		return scalar(fp.fd, x.value(fp.kind))
	}
	var buf [maxNumberText]byte
	return string(x.appendText(buf[:0], fp))
}

// text is the search text, written up to searchBudget bytes (what is
// past it is cut) into a buffer that is not appended to: the scan writes
// it for every field, and a slice stored for each write would cost a
// write barrier whenever the garbage collector is marking.
type text struct {
	b []byte // len(b) is its room; b[:n] is written
	n int
}

// full says the text has its budget: the lines that follow are cut.
func (t *text) full() bool { return t.n >= searchBudget }

// room makes room for n more bytes, up to the budget.
func (t *text) room(n int) {
	if t.n+n <= len(t.b) || len(t.b) >= searchBudget {
		return
	}
	b := make([]byte, min(max(2*len(t.b), t.n+n, 1024), searchBudget))
	copy(b, t.b[:t.n])
	t.b = b
}

func (t *text) add(p []byte) {
	t.room(len(p))
	t.n += copy(t.b[t.n:], p)
}

func (t *text) addString(p string) {
	t.room(len(p))
	t.n += copy(t.b[t.n:], p)
}

func (t *text) addByte(c byte) {
	t.room(1)
	if t.n < len(t.b) {
		t.b[t.n] = c
		t.n++
	}
}

// addValue writes x.appendText(nil, fp) without making it.
func (t *text) addValue(x wireValue, fp *fieldPlan) {
	switch fp.kind {
	case protoreflect.StringKind:
		t.add(x.b)
	case protoreflect.EnumKind, protoreflect.FloatKind, protoreflect.DoubleKind:
		t.addString(x.term(fp))
	default:
		var buf [maxNumberText]byte
		t.add(x.appendText(buf[:0], fp))
	}
}

// addLine writes a field's line, "name: value".
func (t *text) addLine(fp *fieldPlan, x wireValue) {
	n := t.n
	switch {
	case fp.kind == protoreflect.EnumKind || fp.kind == protoreflect.FloatKind || fp.kind == protoreflect.DoubleKind:
	case n+len(fp.label)+len(x.b)+maxNumberText+1 <= len(t.b):
		// The common case: room for all of it, written in place.
		n += copy(t.b[n:], fp.label)
		if fp.kind == protoreflect.StringKind {
			n += copy(t.b[n:], x.b)
		} else {
			n = len(x.appendText(t.b[:n], fp))
		}
		t.b[n] = '\n'
		t.n = n + 1
		return
	}
	t.addString(fp.label)
	t.addValue(x, fp)
	t.addByte('\n')
}

// maxNumberText is the room a number's text takes at most (appendText of
// an integer, or of a length and " bytes").
const maxNumberText = 32

// String is the text written.
func (t *text) String() string { return string(t.b[:t.n]) }

// appendText appends the value for the search text: as the term, but
// strings as they are, without a string made.
func (x wireValue) appendText(b []byte, fp *fieldPlan) []byte {
	switch fp.kind {
	case protoreflect.StringKind:
		return append(b, x.b...)
	case protoreflect.BytesKind:
		b = strconv.AppendInt(b, int64(len(x.b)), 10)
		return append(b, " bytes"...)
	case protoreflect.EnumKind, protoreflect.FloatKind, protoreflect.DoubleKind:
		// As term, not by calling it: term calls appendText, and the
		// cycle would move term's buffer to the heap.
		return append(b, scalar(fp.fd, x.value(fp.kind))...)
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, x.u != 0)
	// The integers as value gives them, without making a Value.
	case protoreflect.Int32Kind, protoreflect.Sfixed32Kind:
		return strconv.AppendInt(b, int64(int32(x.u)), 10)
	case protoreflect.Sint32Kind:
		return strconv.AppendInt(b, int64(int32(protowire.DecodeZigZag(x.u&math.MaxUint32))), 10)
	case protoreflect.Int64Kind, protoreflect.Sfixed64Kind:
		return strconv.AppendInt(b, int64(x.u), 10)
	case protoreflect.Sint64Kind:
		return strconv.AppendInt(b, protowire.DecodeZigZag(x.u), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.AppendUint(b, uint64(uint32(x.u)), 10)
	}
	return strconv.AppendUint(b, x.u, 10)
}

// appendJSON appends the value as protojson writes it: 64-bit integers
// and enums as strings (enums by name), bytes in base64, non-finite
// floats by name.
func (x wireValue) appendJSON(b []byte, fp *fieldPlan) []byte {
	// The summary shows less than summaryBudget: a longer string or
	// bytes value is cut there, past what shows.
	v := x.b[:min(len(x.b), summaryBudget)]
	switch fp.kind {
	case protoreflect.StringKind:
		return appendJSONString(b, v)
	case protoreflect.BytesKind:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, '"')
	case protoreflect.EnumKind:
		if ev := fp.fd.Enum().Values().ByNumber(protoreflect.EnumNumber(x.u)); ev != nil {
			return appendJSONString(b, string(ev.Name()))
		}
		return strconv.AppendInt(b, int64(int32(x.u)), 10)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		b = append(b, '"')
		b = x.appendText(b, fp)
		return append(b, '"')
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f, bits := x.value(fp.kind).Float(), 64
		if fp.kind == protoreflect.FloatKind {
			bits = 32
		}
		switch {
		case math.IsNaN(f):
			return append(b, `"NaN"`...)
		case math.IsInf(f, 1):
			return append(b, `"Infinity"`...)
		case math.IsInf(f, -1):
			return append(b, `"-Infinity"`...)
		}
		return strconv.AppendFloat(b, f, 'g', -1, bits)
	}
	return x.appendText(b, fp)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 (a proto2
// string) becomes U+FFFD, as the JSON formatter would show it.
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune([]byte(s[i:]))
		b = utf8.AppendRune(b, r)
		i += size
	}
	return append(b, '"')
}
