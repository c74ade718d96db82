package decode

// msg is the message as the recognisers see it: the body after undoing
// base64 and compression, and the body parsed once and shared.
type msg struct {
	in   Input
	body []byte

	// The content type's media type and kombu serializer, read once:
	// every recogniser asks.
	media, serializer string

	// Fields and notes from preparing the body, added to every result.
	preFields []Field
	preNotes  []string

	shapeChecked bool
	shape        bool

	parsed   bool
	value    any
	parseErr error
	serial   string
	// redacted is set when secrets were taken out of a value decoded
	// from msgpack or YAML, whose body text still holds them.
	redacted bool
	// skippedFields is set when a recogniser did not make its fields
	// (wantFields).
	skippedFields bool
}

func newMsg(in Input) *msg {
	m := makeMsg(in)
	m.prepare()
	return &m
}

// makeMsg is a message not yet prepared (see prepare).
func makeMsg(in Input) msg {
	media := mediaType(in.ContentType)
	return msg{in: in, body: in.Body, media: media, serializer: serializerOfMedia(media)}
}

// wantFields says whether the result's fields are wanted: a recogniser
// that makes many skips them when not (Input.noFields), and the result
// then says that they were left out.
func (m *msg) wantFields() bool {
	if m.in.noFields {
		m.skippedFields = true
		return false
	}
	return true
}

// finish adds what preparing the body found to a result.
func (m *msg) finish(r *Result) {
	if len(m.preFields) > 0 {
		r.Fields = append(r.Fields, m.preFields...)
	}
	for _, n := range m.preNotes {
		r.addNote(n)
	}
}
