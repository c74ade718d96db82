package protodec

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/shoveltap/shoveltap/tap/decode"
)

// maxDense is the largest field number a plan looks up by index; larger
// ones are rare and found through the descriptor.
const maxDense = 512

// plan is what the scan needs of a message type, worked out once when the
// schemas load: the scan's loop then asks no descriptor per field (the
// descriptor's lookup by number is a map; its methods are interface
// calls, and the name checks string work).
type plan struct {
	md         protoreflect.MessageDescriptor
	fields     []*fieldPlan // by field number up to maxDense; nil: not a field
	messageSet bool
	extensible bool // has extension ranges
}

// fieldPlan is one field of a plan.
type fieldPlan struct {
	fd          protoreflect.FieldDescriptor
	kind        protoreflect.Kind
	wire        protowire.Type // the wire type of its values (one element's, for a list)
	list, isMap bool
	name        string
	label       string // "name: ", a search line's start
	secret      bool   // a secret-looking name (decode.IsSecretKey)
	lower       string // "." + the name lower-cased: a filter-term step
	// terms says whether it may give filter terms: not secret, not a
	// list, not a well-known type (those render as JSON values, not
	// fields).
	terms     bool
	isAny     bool // a google.protobuf.Any
	wellKnown bool // a google.protobuf message: protojson writes it as a value
	presence  bool // a zero value is still set
	utf8      bool // a string the library checks for UTF-8
	oneof     protoreflect.OneofDescriptor
	others    []*fieldPlan // the oneof's other members; nil when one is not in the plan's table
	sub       *plan        // a message or group field's type (a map's value field's, not the map's)
	key, val  *fieldPlan   // a map's key and value fields
	// termName is the filter term's name last made for the field (see
	// term): most types are reached by one path, so the name is made once,
	// not for every message.
	termName atomic.Pointer[termName]
}

// termName is a field's filter-term name under a parent's.
type termName struct{ parent, name string }

// term is the field's filter-term name under parent's (proto.customer +
// .name).
func (fp *fieldPlan) term(parent string) string {
	if t := fp.termName.Load(); t != nil && t.parent == parent {
		return t.name
	}
	t := &termName{parent: parent, name: parent + fp.lower}
	fp.termName.Store(t)
	return t.name
}

// addPlans builds the plans of every message type in ms, nested ones and
// map entries included, into all; link then joins fields to their types'.
func addPlans(all map[protoreflect.MessageDescriptor]*plan, ms protoreflect.MessageDescriptors) {
	for i := 0; i < ms.Len(); i++ {
		md := ms.Get(i)
		all[md] = newPlan(md)
		addPlans(all, md.Messages())
	}
}

// link sets the sub-plans of every plan's fields, once all are built
// (types refer to each other, and to themselves).
func link(all map[protoreflect.MessageDescriptor]*plan) {
	for _, p := range all {
		for _, fp := range p.fields {
			if fp != nil {
				fp.link(all)
			}
		}
	}
}

func newPlan(md protoreflect.MessageDescriptor) *plan {
	p := &plan{md: md, extensible: md.ExtensionRanges().Len() > 0}
	if opts, ok := md.Options().(*descriptorpb.MessageOptions); ok && opts.GetMessageSetWireFormat() {
		p.messageSet = true
	}
	fs := md.Fields()
	top := 0
	for i := 0; i < fs.Len(); i++ {
		if n := int(fs.Get(i).Number()); n <= maxDense && n > top {
			top = n
		}
	}
	p.fields = make([]*fieldPlan, top+1)
	for i := 0; i < fs.Len(); i++ {
		if fd := fs.Get(i); int(fd.Number()) <= maxDense {
			p.fields[fd.Number()] = newFieldPlan(fd)
		}
	}
	for _, fp := range p.fields {
		if fp != nil && fp.oneof != nil {
			fp.others = p.oneofOthers(fp)
		}
	}
	return p
}

// oneofOthers are the plans of the other members of fp's oneof, nil when
// one is beyond the table.
func (p *plan) oneofOthers(fp *fieldPlan) []*fieldPlan {
	var others []*fieldPlan
	fs := fp.oneof.Fields()
	for i := 0; i < fs.Len(); i++ {
		other := fs.Get(i)
		if other == fp.fd {
			continue
		}
		if int(other.Number()) >= len(p.fields) || p.fields[other.Number()] == nil {
			return nil
		}
		others = append(others, p.fields[other.Number()])
	}
	return others
}

func newFieldPlan(fd protoreflect.FieldDescriptor) *fieldPlan {
	fp := &fieldPlan{
		fd:       fd,
		kind:     fd.Kind(),
		wire:     wireTypeOf(fd.Kind()),
		list:     fd.IsList(),
		isMap:    fd.IsMap(),
		name:     string(fd.Name()),
		label:    string(fd.Name()) + ": ",
		secret:   decode.IsSecretKey(string(fd.Name())),
		lower:    "." + strings.ToLower(string(fd.Name())),
		presence: fd.HasPresence(),
		utf8:     fd.Kind() == protoreflect.StringKind && enforceUTF8(fd),
	}
	if m := fd.Message(); m != nil && !fp.isMap {
		fp.wellKnown = m.FullName().Parent() == "google.protobuf"
		fp.isAny = m.FullName() == "google.protobuf.Any"
	}
	if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() {
		fp.oneof = o
	}
	fp.terms = !fp.secret && !fp.list && !fp.wellKnown
	if fp.isMap {
		fp.key, fp.val = newFieldPlan(fd.MapKey()), newFieldPlan(fd.MapValue())
	}
	return fp
}

// link finds the plan of a message field's type; planOf builds one for a
// type outside the table (an extension's from elsewhere).
func (fp *fieldPlan) link(all map[protoreflect.MessageDescriptor]*plan) {
	if fp.isMap {
		fp.val.link(all)
		return
	}
	if m := fp.fd.Message(); m != nil && fp.sub == nil {
		fp.sub = all[m]
	}
}

// field is the plan of field number num, nil for none. Numbers beyond
// the dense table and extensions are planned on the spot.
func (p *plan) field(num protowire.Number, s *scan) (*fieldPlan, error) {
	if int(num) < len(p.fields) {
		if fp := p.fields[num]; fp != nil {
			return fp, nil
		}
		if !p.extensible {
			return nil, nil
		}
	}
	fd := p.md.Fields().ByNumber(num)
	if fd == nil && p.extensible && p.md.ExtensionRanges().Has(num) {
		xt, err := s.types.FindExtensionByNumber(p.md.FullName(), num)
		if err != nil && !errors.Is(err, protoregistry.NotFound) {
			return nil, fmt.Errorf("%v: unable to resolve extension %v: %v", p.md.FullName(), num, err)
		}
		if xt != nil {
			fd = xt.TypeDescriptor()
		}
	}
	if fd == nil {
		return nil, nil
	}
	fp := newFieldPlan(fd)
	fp.link(s.plans)
	return fp, nil
}

// planOf is the plan of a message type the registry's table may lack
// (an extension's message from outside it).
func (s *scan) planOf(fp *fieldPlan) *plan {
	if fp.sub != nil {
		return fp.sub
	}
	m := fp.fd.Message()
	if p := s.plans[m]; p != nil {
		return p
	}
	p := newPlan(m)
	for _, f := range p.fields {
		if f != nil {
			f.link(s.plans)
		}
	}
	return p
}
