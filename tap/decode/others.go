package decode

import "strings"

// Light recognisers for well-known .NET and Java senders. They identify
// the message type and leave the body to the generic renderer.

// recogniseSpring claims Spring AMQP messages, whose Jackson converter
// names the payload class in the __TypeId__ header.
func recogniseSpring(m *msg) (Result, bool) {
	typ, ok := headerString(m.in.Headers, "__TypeId__")
	if !ok {
		return Result{}, false
	}
	// Collections and maps name their element (and key) classes separately.
	elem := headerOr(m.in.Headers, "__ContentTypeId__")
	key := headerOr(m.in.Headers, "__KeyTypeId__")
	switch {
	case key != "" && elem != "":
		typ += "<" + key + ", " + elem + ">"
	case elem != "":
		typ += "<" + elem + ">"
	}
	r := typedGeneric(m, "spring", typ)
	return r, true
}

// recogniseNServiceBus claims NServiceBus messages by their enclosed
// message types header: "Acme.OrderPlaced, Acme, Version=1.0.0.0, …;…".
func recogniseNServiceBus(m *msg) (Result, bool) {
	h := m.in.Headers
	enclosed, ok := headerString(h, "NServiceBus.EnclosedMessageTypes")
	if !ok {
		return Result{}, false
	}
	var types []string
	for _, t := range strings.Split(enclosed, ";") {
		if len(types) == 8 {
			break
		}
		name, _, _ := strings.Cut(t, ",")
		if name = strings.TrimSpace(name); name != "" {
			types = append(types, name)
		}
	}
	typ := enclosed
	if len(types) > 0 {
		typ = types[0]
	}
	r := typedGeneric(m, "nservicebus", typ)
	if len(types) > 1 {
		r.addField("Enclosed types", strings.Join(types, ", "))
	}
	for _, k := range []struct{ key, label string }{
		{"NServiceBus.MessageId", "Message ID"},
		{"NServiceBus.MessageIntent", "Intent"},
		{"NServiceBus.ConversationId", "Conversation"},
		{"NServiceBus.CorrelationId", "Correlation"},
		{"NServiceBus.RelatedTo", "Related to"},
		{"NServiceBus.OriginatingEndpoint", "Originating endpoint"},
		{"NServiceBus.OriginatingMachine", "Originating machine"},
		{"NServiceBus.ReplyToAddress", "Reply to"},
		{"NServiceBus.TimeSent", "Time sent"},
		{"NServiceBus.Version", "NServiceBus version"},
		{"NServiceBus.ExceptionInfo.ExceptionType", "Exception"},
		{"NServiceBus.ExceptionInfo.Message", "Exception message"},
		{"NServiceBus.FailedQ", "Failed queue"},
	} {
		r.addField(k.label, headerOr(h, k.key))
	}
	return r, true
}

// recogniseMassTransit claims MassTransit envelopes: content type
// application/vnd.masstransit+json, or a JSON body with a messageType
// array and a message.
func recogniseMassTransit(m *msg) (Result, bool) {
	byType := m.media == "application/vnd.masstransit+json"
	o, ok := m.jsonObjectBody(byType)
	if !ok {
		return m.notAnEnvelope(byType, "masstransit", "MassTransit content type but the body is not an envelope")
	}
	mt, _ := mustGet(o, "messageType").([]any)
	if !byType && (len(mt) == 0 || !o.has("message")) {
		return Result{}, false
	}
	var types []string
	for _, t := range mt {
		if len(types) == 8 {
			break
		}
		if s, ok := t.(string); ok {
			types = append(types, strings.TrimPrefix(s, "urn:message:"))
		}
	}
	var r Result
	r.Format = "masstransit"
	typ := ""
	if len(types) > 0 {
		typ = types[0]
	}
	msgText := ""
	if inner, ok := o.get("message"); ok {
		msgText = string(appendJSON(nil, redactValue(inner, 0), 0, maxSummary))
	}
	r.Summary = oneLine(strings.TrimSpace(typ+" "+msgText), maxSummary)
	r.setTerm("type", typ)
	r.addField("Message type", typ)
	if len(types) > 1 {
		r.addField("Also", strings.Join(types[1:], ", "))
	}
	for _, k := range []struct{ key, label string }{
		{"messageId", "Message ID"}, {"requestId", "Request ID"},
		{"correlationId", "Correlation ID"}, {"conversationId", "Conversation ID"},
		{"initiatorId", "Initiator ID"}, {"sourceAddress", "Source"},
		{"destinationAddress", "Destination"}, {"responseAddress", "Response address"},
		{"faultAddress", "Fault address"}, {"sentTime", "Sent"},
		{"expirationTime", "Expires"},
	} {
		r.addField(k.label, o.str(k.key))
	}
	if host, ok := mustGet(o, "host").(object); ok {
		r.addField("Host", strings.TrimSpace(host.str("machineName")+" "+host.str("processName")+" "+host.str("massTransitVersion")))
	}
	r.Body = m.in.jsonBody(m.body, false)
	return r, true
}

// typedGeneric renders the body generically under a sender's format label,
// with the message type leading the summary.
func typedGeneric(m *msg, format, typ string) Result {
	r := decodeGeneric(m.in, m.body)
	r.Format = format
	r.Summary = oneLine(typ+" "+r.Summary, maxSummary)
	r.setTerm("type", typ)
	r.Fields = append([]Field{{Name: "Type", Value: oneLine(typ, maxField)}}, r.Fields...)
	return r
}

// headerOr returns a header as text, or "" when unset.
func headerOr(h map[string]any, key string) string {
	s, _ := headerString(h, key)
	return s
}
