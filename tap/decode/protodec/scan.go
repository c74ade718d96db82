package protodec

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

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
	secrets map[protoreflect.MessageDescriptor][]bool // Registry.secrets
	fields  int                                       // fields seen, nested ones included, bounded by maxFields
	unknown int                                       // bytes of unknown fields, as unknownBytes counts them

	res   *decode.Result
	terms int // filter terms set, bounded by maxTerms

	sum     []byte // summary JSON: scalars and singular messages, wire order
	sumFull bool   // the summary has its budget
	search  []byte // "name: value" lines for the free-text filter
	anyNote string // an Any of a type not loaded
	// dropSum says the field just read is unpopulated: the summary
	// leaves it out, as protojson does.
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
func (s *scan) message(md protoreflect.MessageDescriptor, b []byte, limit int, term string, termDepth int, inSum bool) error {
	if limit--; limit < 0 {
		return errRecursion
	}
	if isMessageSet(md) {
		return errFallback
	}
	fields := md.Fields()
	secrets := s.secrets[md]
	first := true
	// open is the list or map whose elements the summary is writing:
	// protojson writes a repeated field's elements together, and
	// encoders write them together.
	var open protoreflect.FieldDescriptor
	closeOpen := func() {
		if open != nil {
			s.sum = append(s.sum, closer(open))
			open = nil
		}
	}
	for len(b) > 0 {
		num, wtyp, tagLen := protowire.ConsumeTag(b)
		if tagLen < 0 || num > protowire.MaxValidNumber {
			return errMalformed
		}
		if s.fields++; s.fields > maxFields {
			return errTooMany
		}
		fd := fields.ByNumber(num)
		if fd == nil && md.ExtensionRanges().Has(num) {
			xt, err := s.types.FindExtensionByNumber(md.FullName(), num)
			if err != nil && !errors.Is(err, protoregistry.NotFound) {
				return fmt.Errorf("%v: unable to resolve extension %v: %v", md.FullName(), num, err)
			}
			if xt != nil {
				fd = xt.TypeDescriptor()
			}
		}
		var n int
		err := errWireType
		if fd != nil {
			secret := fieldSecret(secrets, fd)
			fterm := s.childTerm(term, termDepth, fd, secret)
			if o := fd.ContainingOneof(); fterm != "" && o != nil && !o.IsSynthetic() {
				s.clearOneof(fterm, fd, o)
			}
			fsum := inSum && !s.sumFull && summarised(fd)
			mark, wasFirst, wasOpen := len(s.sum), first, open
			if fsum && open != fd {
				closeOpen()
				first = s.sumKey(fd, first)
				if fd.IsList() || fd.IsMap() {
					s.sum = append(s.sum, opener(fd))
					open = fd
				}
			} else if fsum {
				s.sum = append(s.sum, ',')
			}
			s.dropSum = false
			switch {
			case fd.IsList():
				n, err = s.list(fd, wtyp, b[tagLen:], limit, fsum, secret)
			case fd.IsMap():
				n, err = s.mapEntry(fd, wtyp, b[tagLen:], limit, fterm, fsum, secret)
			default:
				n, err = s.singular(fd, wtyp, b[tagLen:], limit, fterm, termDepth, fsum, secret)
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
	closeOpen()
	return nil
}

// summarised says whether the summary shows a field: not a well-known
// type, which protojson renders as a JSON value (a time, a duration, a
// struct), not as fields; the detail view shows those.
func summarised(fd protoreflect.FieldDescriptor) bool {
	if fd.IsMap() {
		return !wellKnown(fd.MapValue())
	}
	return !wellKnown(fd)
}

func opener(fd protoreflect.FieldDescriptor) byte {
	if fd.IsMap() {
		return '{'
	}
	return '['
}

func closer(fd protoreflect.FieldDescriptor) byte {
	if fd.IsMap() {
		return '}'
	}
	return ']'
}

// childTerm is a field's filter-term path, as setTerms names it, or ""
// when the field gets none.
func (s *scan) childTerm(term string, depth int, fd protoreflect.FieldDescriptor, secret bool) string {
	if term == "" || depth > 3 || secret {
		return ""
	}
	return term + "." + strings.ToLower(string(fd.Name()))
}

// sumKey starts a member of the summary object.
func (s *scan) sumKey(fd protoreflect.FieldDescriptor, first bool) bool {
	if !first {
		s.sum = append(s.sum, ',')
	}
	s.sum = strconv.AppendQuote(s.sum, string(fd.Name()))
	s.sum = append(s.sum, ':')
	return false
}

func (s *scan) singular(fd protoreflect.FieldDescriptor, wtyp protowire.Type, b []byte, limit int, term string, termDepth int, inSum, secret bool) (int, error) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		v, n, err := consumeMessage(fd, wtyp, b)
		if err != nil {
			return 0, err
		}
		if fd.Message().FullName().Parent() == "google.protobuf" {
			term = "" // well-known types render as JSON values, not fields
			s.checkAny(fd.Message(), v)
		}
		if inSum {
			s.sum = append(s.sum, '{')
		}
		err = s.message(fd.Message(), v, limit, term, termDepth+1, inSum)
		if inSum {
			s.sum = append(s.sum, '}')
		}
		return n, err
	}
	x, n, err := consumeScalar(fd, wtyp, b)
	if err != nil {
		return 0, err
	}
	if inSum && !fd.HasPresence() && x.zero() {
		s.dropSum, inSum = true, false
	}
	s.leaf(fd, x, term, inSum, secret)
	return n, nil
}

// leaf records a scalar: its filter term, its summary value and its
// search line.
func (s *scan) leaf(fd protoreflect.FieldDescriptor, x wireValue, term string, inSum, secret bool) {
	if inSum {
		s.sum = x.appendJSON(s.sum, fd)
		s.sumFull = len(s.sum) >= summaryBudget
	}
	if term != "" {
		if !fd.HasPresence() && x.zero() {
			delete(s.res.Terms, term) // not populated: a later zero clears it
		} else if _, ok := s.res.Terms[term]; ok || s.terms < maxTerms {
			if !ok {
				s.terms++
			}
			s.res.SetTerm(term, x.term(fd))
		}
	}
	if len(s.search) < searchBudget && !secret {
		s.search = append(s.search, fd.Name()...)
		s.search = append(s.search, ": "...)
		s.search = x.appendText(s.search, fd)
		s.search = append(s.search, '\n')
	}
}

// clearOneof drops the terms of a oneof's other members: setting one
// clears the rest.
func (s *scan) clearOneof(term string, fd protoreflect.FieldDescriptor, o protoreflect.OneofDescriptor) {
	parent := term[:strings.LastIndexByte(term, '.')+1]
	fs := o.Fields()
	for i := 0; i < fs.Len(); i++ {
		if other := fs.Get(i); other != fd {
			name := parent + strings.ToLower(string(other.Name()))
			for k := range s.res.Terms {
				if k == name || strings.HasPrefix(k, name+".") {
					delete(s.res.Terms, k)
				}
			}
		}
	}
}

// list walks one occurrence of a repeated field: an element, or packed
// scalars.
func (s *scan) list(fd protoreflect.FieldDescriptor, wtyp protowire.Type, b []byte, limit int, inSum, secret bool) (int, error) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		v, n, err := consumeMessage(fd, wtyp, b)
		if err != nil {
			return 0, err
		}
		if fd.Message().FullName().Parent() == "google.protobuf" {
			s.checkAny(fd.Message(), v)
		}
		if inSum {
			s.sum = append(s.sum, '{')
		}
		err = s.message(fd.Message(), v, limit, "", 0, inSum)
		if inSum {
			s.sum = append(s.sum, '}')
		}
		return n, err
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
				x, m, err := consumePacked(fd.Kind(), v)
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
				s.leaf(fd, x, "", w, secret)
				v = v[m:]
			}
			return n, nil
		}
	}
	x, n, err := consumeScalar(fd, wtyp, b)
	if err != nil {
		return 0, err
	}
	s.leaf(fd, x, "", inSum, secret)
	return n, nil
}

// mapEntry walks one map entry as the library's unmarshalMap does: its
// unknown fields are dropped, not kept; a missing key or value is the
// default.
func (s *scan) mapEntry(fd protoreflect.FieldDescriptor, wtyp protowire.Type, b []byte, limit int, term string, inSum, secret bool) (int, error) {
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
	kf, vf := fd.MapKey(), fd.MapValue()
	var key, val wireValue
	var valSum []byte // a message value's summary: the key may come after it
	for len(b) > 0 {
		num, wtyp, tagLen := protowire.ConsumeTag(b)
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
			if x, m, err = consumeScalar(kf, wtyp, b); err == nil {
				key = x
			}
		case num == 2 && vf.Message() != nil:
			var v []byte
			if v, m, err = consumeMessage(vf, wtyp, b); err == nil {
				if err := s.mapValue(vf.Message(), v, limit, inSum, &valSum); err != nil {
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
	if inSum {
		if kf.Kind() == protoreflect.StringKind {
			s.sum = appendJSONString(s.sum, key.b)
		} else {
			s.sum = append(s.sum, '"')
			s.sum = key.appendText(s.sum, kf)
			s.sum = append(s.sum, '"')
		}
		s.sum = append(s.sum, ':')
		if vf.Message() != nil {
			s.sum = append(s.sum, '{')
			s.sum = append(s.sum, valSum...)
			s.sum = append(s.sum, '}')
		} else {
			s.sum = val.appendJSON(s.sum, vf)
		}
		s.sumFull = len(s.sum) >= summaryBudget
	}
	if len(s.search) < searchBudget && !secret {
		s.search = key.appendText(s.search, kf)
		s.search = append(s.search, ':')
		if vf.Message() == nil {
			s.search = append(s.search, ' ')
			s.search = val.appendText(s.search, vf)
		}
		s.search = append(s.search, '\n')
	}
	if term == "" || kf.Kind() != protoreflect.StringKind || vf.Message() != nil {
		return n, nil
	}
	k := string(key.b)
	if decode.IsSecretKey(k) || strings.ContainsAny(k, " \t:\"") {
		return n, nil
	}
	name := term + "." + strings.ToLower(k)
	if _, ok := s.res.Terms[name]; ok || s.terms < maxTerms {
		if !ok {
			s.terms++
		}
		s.res.SetTerm(name, val.term(vf))
	}
	return n, nil
}

// mapValue walks a map's message value, its summary written apart (to
// *sum) for mapEntry to place after the key.
func (s *scan) mapValue(md protoreflect.MessageDescriptor, v []byte, limit int, inSum bool, sum *[]byte) error {
	if md.FullName().Parent() == "google.protobuf" {
		s.checkAny(md, v)
	}
	if !inSum {
		return s.message(md, v, limit, "", 0, false)
	}
	outer := s.sum
	s.sum = (*sum)[:0] // a second value replaces the first in the summary
	err := s.message(md, v, limit, "", 0, true)
	*sum, s.sum = s.sum, outer
	return err
}

// checkAny notes an Any whose type is not loaded: the detail view shows
// the message without it, as protojson cannot render it.
func (s *scan) checkAny(md protoreflect.MessageDescriptor, b []byte) {
	if md.FullName() != "google.protobuf.Any" || s.anyNote != "" {
		return
	}
	url := ""
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
			v, _ := protowire.ConsumeBytes(b[tagLen:])
			url = string(v)
		}
		b = b[tagLen+n:]
	}
	if _, err := s.types.FindMessageByURL(url); err != nil {
		s.anyNote = fmt.Sprintf("part of the message could not be shown as JSON: an Any holds %q, which is not in the loaded schemas", url)
	}
}

var (
	errRecursion = errors.New("exceeded maximum recursion depth")
	errTooMany   = fmt.Errorf("more than %d fields (nested ones included): not decoded", maxFields)
)

// fieldSecret says whether a field's name looks secret
// (decode.IsSecretKey), from the registry's table when the field is in it.
func fieldSecret(secrets []bool, fd protoreflect.FieldDescriptor) bool {
	if i := fd.Index(); !fd.IsExtension() && i < len(secrets) {
		return secrets[i]
	}
	return decode.IsSecretKey(string(fd.Name()))
}

// wellKnown says whether a field's value is a well-known type.
func wellKnown(fd protoreflect.FieldDescriptor) bool {
	return fd.Message() != nil && fd.Message().FullName().Parent() == "google.protobuf"
}

// isMessageSet reports whether a message uses the message set wire
// format, which only the library reads.
func isMessageSet(md protoreflect.MessageDescriptor) bool {
	opts, ok := md.Options().(*descriptorpb.MessageOptions)
	return ok && opts.GetMessageSetWireFormat()
}

// wireValue is a scalar as found on the wire: a number (varint, fixed32,
// fixed64) or the bytes of a string or bytes field.
type wireValue struct {
	u uint64
	b []byte
}

// consumeMessage reads a message or group field's bytes.
func consumeMessage(fd protoreflect.FieldDescriptor, wtyp protowire.Type, b []byte) ([]byte, int, error) {
	if fd.Kind() == protoreflect.GroupKind {
		if wtyp != protowire.StartGroupType {
			return nil, 0, errWireType
		}
		v, n := protowire.ConsumeGroup(fd.Number(), b)
		if n < 0 {
			return nil, 0, errMalformed
		}
		return v, n, nil
	}
	if wtyp != protowire.BytesType {
		return nil, 0, errWireType
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, errMalformed
	}
	return v, n, nil
}

// wireTypeOf is the wire type of a scalar kind.
func wireTypeOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// consumeScalar reads a scalar field's value as the library's
// unmarshalScalar does: another wire type makes it unknown, and a proto3
// (or UTF-8-validated) string must be UTF-8.
func consumeScalar(fd protoreflect.FieldDescriptor, wtyp protowire.Type, b []byte) (wireValue, int, error) {
	k := fd.Kind()
	if wtyp != wireTypeOf(k) {
		return wireValue{}, 0, errWireType
	}
	if wtyp != protowire.BytesType {
		return consumePacked(k, b)
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return wireValue{}, 0, errMalformed
	}
	if k == protoreflect.StringKind && enforceUTF8(fd) && !utf8.Valid(v) {
		return wireValue{}, 0, fmt.Errorf("field %v contains invalid UTF-8", fd.FullName())
	}
	return wireValue{b: v}, n, nil
}

// consumePacked reads one number of a kind (a packed element, or a
// field's value once its wire type is checked).
func consumePacked(k protoreflect.Kind, b []byte) (wireValue, int, error) {
	var u uint64
	var n int
	switch wireTypeOf(k) {
	case protowire.Fixed32Type:
		var v uint32
		v, n = protowire.ConsumeFixed32(b)
		u = uint64(v)
	case protowire.Fixed64Type:
		u, n = protowire.ConsumeFixed64(b)
	default:
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
func (x wireValue) value(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
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

// term is the filter term's value, as setTerms renders it.
func (x wireValue) term(fd protoreflect.FieldDescriptor) string {
	return scalar(fd, x.value(fd))
}

// appendText appends the value for the search text: as the term, but
// strings as they are, without a string made.
func (x wireValue) appendText(b []byte, fd protoreflect.FieldDescriptor) []byte {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return append(b, x.b...)
	case protoreflect.EnumKind, protoreflect.BytesKind, protoreflect.FloatKind, protoreflect.DoubleKind:
		return append(b, x.term(fd)...)
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, x.u != 0)
	}
	v := x.value(fd)
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.AppendInt(b, v.Int(), 10)
	}
	return strconv.AppendUint(b, v.Uint(), 10)
}

// appendJSON appends the value as protojson writes it: 64-bit integers
// and enums as strings (enums by name), bytes in base64, non-finite
// floats by name.
func (x wireValue) appendJSON(b []byte, fd protoreflect.FieldDescriptor) []byte {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return appendJSONString(b, x.b)
	case protoreflect.BytesKind:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x.b)
		return append(b, '"')
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(protoreflect.EnumNumber(x.u)); ev != nil {
			return strconv.AppendQuote(b, string(ev.Name()))
		}
		return strconv.AppendInt(b, int64(int32(x.u)), 10)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		b = append(b, '"')
		b = x.appendText(b, fd)
		return append(b, '"')
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f, bits := x.value(fd).Float(), 64
		if fd.Kind() == protoreflect.FloatKind {
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
	return x.appendText(b, fd)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 (a proto2
// string) becomes U+FFFD, as the JSON formatter would show it.
func appendJSONString(b, s []byte) []byte {
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
		r, size := utf8.DecodeRune(s[i:])
		b = utf8.AppendRune(b, r)
		i += size
	}
	return append(b, '"')
}
