package protodec

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxFields bounds the fields of one message, nested ones included. A
// decoded field costs a few hundred bytes (dynamicpb, JSON), so a 1 MiB
// body of empty sub-messages would otherwise take a quarter of a GiB.
const maxFields = 20000

// countFields walks the wire format with the message's descriptor,
// without allocating, and fails when the body holds more than maxFields
// fields. Malformed bodies are left to the real parser to explain.
func countFields(md protoreflect.MessageDescriptor, b []byte) error {
	n := 0
	if !count(md, b, 0, &n) {
		return fmt.Errorf("more than %d fields (nested ones included): not decoded", maxFields)
	}
	return nil
}

// count returns false once the budget is spent.
func count(md protoreflect.MessageDescriptor, b []byte, depth int, n *int) bool {
	if depth > recursionLimit {
		return true // the parser reports the depth
	}
	fields := md.Fields()
	for len(b) > 0 {
		num, typ, tagLen := protowire.ConsumeTag(b)
		if tagLen < 0 {
			return true
		}
		valLen := protowire.ConsumeFieldValue(num, typ, b[tagLen:])
		if valLen < 0 {
			return true
		}
		*n++
		if *n > maxFields {
			return false
		}
		fd := fields.ByNumber(num)
		if fd != nil && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b[tagLen:])
			switch {
			case fd.Message() != nil:
				if !count(fd.Message(), v, depth+1, n) {
					return false
				}
			case fd.IsList():
				// A packed repeated scalar: count its elements.
				if !countPacked(fd.Kind(), v, n) {
					return false
				}
			}
		}
		b = b[tagLen+valLen:]
	}
	return true
}

func countPacked(k protoreflect.Kind, b []byte, n *int) bool {
	for len(b) > 0 {
		var l int
		switch k {
		case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
			l = 4
		case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
			l = 8
		default:
			_, l = protowire.ConsumeVarint(b)
		}
		if l <= 0 || l > len(b) {
			return true
		}
		*n++
		if *n > maxFields {
			return false
		}
		b = b[l:]
	}
	return true
}
