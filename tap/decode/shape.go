package decode

// shapeKeys are the top-level keys that the body-shape recognisers
// (Celery protocol 1, results, events, oslo, MassTransit) look for.
var shapeKeys = map[string]bool{
	"task": true, "task_id": true, "status": true, "type": true,
	"oslo.message": true, "event_type": true, "method": true, "_msg_id": true,
	"messageType": true, "specversion": true, "actor_name": true,
}

// mayHaveShape is a cheap pre-check that spares ordinary JSON bodies a
// full parse: it scans the keys of the top-level object (or of the first
// object in a top-level array) without building any values. Bodies in
// other serializers are always worth decoding.
func (m *msg) mayHaveShape() bool {
	if m.shapeChecked {
		return m.shape
	}
	m.shapeChecked = true
	ser := m.serializer
	if ser != serJSON && ser != "" {
		m.shape = ser != serPickle
		return m.shape
	}
	b := m.body
	i := skipSpace(b, 0)
	if i < len(b) && b[i] == '[' {
		i = skipSpace(b, i+1)
	}
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	for n := 0; n < 4096; n++ {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end := stringEnd(b, i)
		if end-i >= 2 && shapeKeys[string(b[i+1:end-1])] {
			m.shape = true
			return true
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipValue(b, skipSpace(b, i+1))
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return false
		}
		i++
	}
	return false
}
