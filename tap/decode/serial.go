package decode

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"
	"gopkg.in/yaml.v3"
)

// Serializer names as Celery and kombu call them.
const (
	serJSON    = "json"
	serMsgpack = "msgpack"
	serYAML    = "yaml"
	serPickle  = "pickle"
)

// maxYAML is smaller than maxParse because YAML parsing is slow (about
// 0.5 ms per KiB in the worst cases measured).
const maxYAML = 64 << 10

var (
	errPickle      = errors.New("pickle is never executed")
	errUnknownType = errors.New("unknown content type")
)

// serializerOfMedia maps a media type (mediaType of a content type) to a
// kombu serializer name. An empty or unknown content type is tried as JSON
// when the body looks like JSON.
func serializerOfMedia(media string) string {
	switch media {
	case "application/json", "text/json":
		return serJSON
	case "application/x-msgpack", "application/msgpack", "application/vnd.msgpack":
		return serMsgpack
	case "application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml":
		return serYAML
	case "application/x-python-serialize", "application/python-pickle", "application/x-pickle":
		return serPickle
	}
	if isJSONMedia(media) {
		return serJSON
	}
	return ""
}

// decoded returns the body decoded according to its content type, parsed
// at most once per message.
func (m *msg) decoded() (any, string, error) {
	if !m.parsed {
		m.parsed = true
		m.serial = m.serializer
		m.value, m.parseErr = decodeValue(m.serial, m.body)
		if m.serial == "" && m.parseErr == nil {
			m.serial = serJSON
		}
		if m.parseErr == nil && m.serial != serJSON {
			// JSON bodies were redacted as bytes by prepare.
			m.value, m.redacted = redactCopy(m.value, 0)
		}
	}
	return m.value, m.serial, m.parseErr
}

// validJSON reports whether the body was already parsed as JSON.
func (m *msg) validJSON() bool {
	return m.parsed && m.parseErr == nil && m.serial == serJSON
}

// decodeValue decodes body with the named serializer into nil, bool,
// numbers, string, []byte, time.Time, []any and object.
func decodeValue(serializer string, body []byte) (any, error) {
	if len(body) > maxParse {
		return nil, errTooLarge
	}
	switch serializer {
	case serJSON, "":
		if !looksJSON(body) {
			if serializer == "" {
				return nil, errUnknownType
			}
			return nil, errNotJSON
		}
		return parseOrderedJSON(body)
	case serMsgpack:
		return decodeMsgpack(body)
	case serYAML:
		return decodeYAML(body)
	case serPickle:
		return nil, errPickle
	}
	return nil, errUnknownType
}

// decodeMsgpack checks the structure first, because the library
// preallocates from declared lengths and recurses without a depth limit;
// after the check every declared length fits in the body.
func decodeMsgpack(body []byte) (any, error) {
	if err := checkMsgpack(body); err != nil {
		return nil, fmt.Errorf("msgpack: %w", err)
	}
	d := msgpack.NewDecoder(bytes.NewReader(body))
	d.SetMapDecoder(decodeMsgpackMap)
	v, err := d.DecodeInterface()
	if err != nil {
		return nil, fmt.Errorf("msgpack: %w", err)
	}
	return v, nil
}

// decodeMsgpackMap keeps key order and accepts non-string keys, which
// Python dicts may have.
func decodeMsgpackMap(d *msgpack.Decoder) (any, error) {
	n, err := d.DecodeMapLen()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, nil
	}
	o := make(object, 0, n)
	for i := 0; i < n; i++ {
		k, err := d.DecodeInterface()
		if err != nil {
			return nil, err
		}
		v, err := d.DecodeInterface()
		if err != nil {
			return nil, err
		}
		o = append(o, member{Key: scalarString(k), Val: v})
	}
	return o, nil
}

// checkMsgpack validates that body holds one msgpack value whose declared
// lengths fit in the body and whose nesting is at most maxValueDepth.
func checkMsgpack(body []byte) error {
	c := msgpackChecker{b: body}
	if err := c.value(0); err != nil {
		return err
	}
	if c.i != len(body) {
		return fmt.Errorf("%d trailing bytes", len(body)-c.i)
	}
	return nil
}

type msgpackChecker struct {
	b []byte
	i int
}

var errMsgpackShort = errors.New("declared length exceeds body")

// uint reads an n-byte big-endian length.
func (c *msgpackChecker) uint(n int) (int, error) {
	if len(c.b)-c.i < n {
		return 0, errMsgpackShort
	}
	v := 0
	for k := 0; k < n; k++ {
		v = v<<8 | int(c.b[c.i+k])
	}
	c.i += n
	return v, nil
}

func (c *msgpackChecker) skip(n int) error {
	if n < 0 || len(c.b)-c.i < n {
		return errMsgpackShort
	}
	c.i += n
	return nil
}

func (c *msgpackChecker) value(depth int) error {
	if depth > maxValueDepth {
		return errTooDeep
	}
	if c.i >= len(c.b) {
		return errMsgpackShort
	}
	t := c.b[c.i]
	c.i++
	switch {
	case t <= 0x7f || t >= 0xe0, t == 0xc0, t == 0xc2, t == 0xc3:
		return nil
	case t >= 0x80 && t <= 0x8f:
		return c.items(int(t&0x0f)*2, depth)
	case t >= 0x90 && t <= 0x9f:
		return c.items(int(t&0x0f), depth)
	case t >= 0xa0 && t <= 0xbf:
		return c.skip(int(t & 0x1f))
	}
	switch t {
	case 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb: // bin, str
		n, err := c.uint(lenWidth(t))
		if err != nil {
			return err
		}
		return c.skip(n)
	case 0xc7, 0xc8, 0xc9: // ext with length and type
		n, err := c.uint(lenWidth(t))
		if err != nil {
			return err
		}
		return c.skip(n + 1)
	case 0xca, 0xce, 0xd2:
		return c.skip(4)
	case 0xcb, 0xcf, 0xd3:
		return c.skip(8)
	case 0xcc, 0xd0:
		return c.skip(1)
	case 0xcd, 0xd1:
		return c.skip(2)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext: type + 1,2,4,8,16
		return c.skip(1 + 1<<(t-0xd4))
	case 0xdc, 0xdd:
		n, err := c.uint(lenWidth(t))
		if err != nil {
			return err
		}
		return c.items(n, depth)
	case 0xde, 0xdf:
		n, err := c.uint(lenWidth(t))
		if err != nil {
			return err
		}
		return c.items(2*n, depth)
	}
	return fmt.Errorf("invalid type byte 0x%02x at %d", t, c.i-1)
}

// lenWidth is the size of the length field after a type byte.
func lenWidth(t byte) int {
	switch t {
	case 0xc4, 0xc7, 0xd9:
		return 1
	case 0xc5, 0xc8, 0xda, 0xdc, 0xde:
		return 2
	}
	return 4
}

// items checks n values; each takes at least one byte, so a forged count
// larger than what is left fails before any work.
func (c *msgpackChecker) items(n, depth int) error {
	if n > len(c.b)-c.i {
		return errMsgpackShort
	}
	for k := 0; k < n; k++ {
		if err := c.value(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// decodeYAML parses into yaml.Node (aliases stay pointers there) and
// converts with a node budget, so an alias bomb cannot expand.
// Unknown tags such as !!python/tuple keep their scalar text.
func decodeYAML(body []byte) (any, error) {
	if len(body) > maxYAML {
		return nil, errTooLarge
	}
	var n yaml.Node
	if err := yaml.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	budget := 100000
	return yamlValue(&n, 0, &budget)
}

func yamlValue(n *yaml.Node, depth int, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, errors.New("yaml: too many nodes (alias expansion?)")
	}
	if depth > maxValueDepth {
		return nil, errTooDeep
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1, budget)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, nil
		}
		return yamlValue(n.Alias, depth+1, budget)
	case yaml.SequenceNode:
		a := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		return a, nil
	case yaml.MappingNode:
		o := make(object, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := yamlValue(n.Content[i], depth+1, budget)
			if err != nil {
				return nil, err
			}
			v, err := yamlValue(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			o = append(o, member{Key: scalarString(k), Val: v})
		}
		return o, nil
	case yaml.ScalarNode:
		return yamlScalar(n), nil
	}
	return nil, nil
}

func yamlScalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i
		}
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	}
	// !!str, !!timestamp, !!binary and unknown tags keep their text.
	return n.Value
}

// decodedObject is the opening of every recogniser that wants a dict body:
// a body that may hold one, decoded, and a dict indeed. v is the decoded
// body, for rendering.
func (m *msg) decodedObject() (o object, v any, serial string, ok bool) {
	if !m.mayHaveShape() {
		return nil, nil, "", false
	}
	v, serial, err := m.decoded()
	if err != nil {
		return nil, nil, "", false
	}
	o, ok = v.(object)
	return o, v, serial, ok
}
