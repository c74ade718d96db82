package taptest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// TrackingClient speaks just enough of RabbitMQ's stream protocol (the
// rabbitmq_stream plugin's binary protocol, not AMQP) to store and query a
// named consumer's offset on the server, as a stream application does. Tests
// use it to show that a tap leaves such offsets alone. Commands and frames
// are those of deps/rabbitmq_stream/docs/PROTOCOL.adoc (version 1).
type TrackingClient struct {
	conn net.Conn
	r    *bufio.Reader
	corr uint32
}

// Stream protocol command keys; a response sets the top bit.
const (
	spStoreOffset    = 0x000a
	spQueryOffset    = 0x000b
	spPeerProperties = 0x0011
	spSaslHandshake  = 0x0012
	spSaslAuth       = 0x0013
	spTune           = 0x0014
	spOpen           = 0x0015
	spClose          = 0x0016
	spHeartbeat      = 0x0017
	spResponse       = 0x8000
	spOK             = 0x01
)

// DialTracking connects to a stream listener at addr and opens vhost as
// user, with PLAIN authentication.
func DialTracking(addr, user, password, vhost string) (*TrackingClient, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c := &TrackingClient{conn: conn, r: bufio.NewReader(conn)}
	if err := c.handshake(user, password, vhost); err != nil {
		conn.Close()
		return nil, fmt.Errorf("stream protocol handshake with %s: %w", addr, err)
	}
	return c, nil
}

func (c *TrackingClient) handshake(user, password, vhost string) error {
	_ = c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	defer func() { _ = c.conn.SetDeadline(time.Time{}) }()
	var props frameWriter
	props.u32(1)
	props.str("product")
	props.str("shoveltap-test")
	if _, err := c.request(spPeerProperties, props.Bytes()); err != nil {
		return fmt.Errorf("peer properties: %w", err)
	}
	if _, err := c.request(spSaslHandshake, nil); err != nil {
		return fmt.Errorf("SASL handshake: %w", err)
	}
	var auth frameWriter
	auth.str("PLAIN")
	auth.blob([]byte("\x00" + user + "\x00" + password))
	if err := c.send(spSaslAuth, c.next(), auth.Bytes()); err != nil {
		return err
	}
	// The server answers, then proposes its settings (Tune), which the
	// client sends back as they are.
	for {
		key, body, err := c.read()
		if err != nil {
			return err
		}
		switch key {
		case spSaslAuth | spResponse:
			if code := binary.BigEndian.Uint16(body[4:6]); code != spOK {
				return fmt.Errorf("authentication refused (code %d)", code)
			}
			continue
		case spTune:
			var tune frameWriter
			tune.raw(body)
			if err := c.write(spTune|spResponse, tune.Bytes()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected frame %#04x during authentication", key)
		}
		break
	}
	var open frameWriter
	open.str(vhost)
	if _, err := c.request(spOpen, open.Bytes()); err != nil {
		return fmt.Errorf("opening vhost %q: %w", vhost, err)
	}
	return nil
}

// StoreOffset stores offset as the position of the consumer named
// reference on stream. The protocol sends no answer: QueryOffset reads it
// back.
func (c *TrackingClient) StoreOffset(reference, stream string, offset uint64) error {
	var w frameWriter
	w.str(reference)
	w.str(stream)
	w.u64(offset)
	return c.write(spStoreOffset, w.Bytes())
}

// ErrNoOffset says the server holds no offset for a reference.
var ErrNoOffset = errors.New("no offset stored for this reference")

// QueryOffset reads the offset stored for reference on stream.
func (c *TrackingClient) QueryOffset(reference, stream string) (uint64, error) {
	var w frameWriter
	w.str(reference)
	w.str(stream)
	body, err := c.request(spQueryOffset, w.Bytes())
	if errors.Is(err, errCode(0x13)) {
		return 0, ErrNoOffset
	}
	if err != nil {
		return 0, err
	}
	if len(body) < 8 {
		return 0, fmt.Errorf("short query offset answer")
	}
	return binary.BigEndian.Uint64(body[:8]), nil
}

// Close closes the connection politely.
func (c *TrackingClient) Close() error {
	var w frameWriter
	w.u16(spOK)
	w.str("done")
	_ = c.conn.SetDeadline(time.Now().Add(2 * time.Second))
	_, _ = c.request(spClose, w.Bytes())
	return c.conn.Close()
}

// errCode is a response code other than OK.
type errCode uint16

func (e errCode) Error() string { return fmt.Sprintf("the server answered with code %#02x", uint16(e)) }

func (c *TrackingClient) next() uint32 {
	c.corr++
	return c.corr
}

// request sends a command with a correlation id and returns what its
// response carries after the response code, skipping heartbeats.
func (c *TrackingClient) request(key uint16, content []byte) ([]byte, error) {
	corr := c.next()
	if err := c.send(key, corr, content); err != nil {
		return nil, err
	}
	for {
		k, body, err := c.read()
		if err != nil {
			return nil, err
		}
		if k == spHeartbeat {
			continue
		}
		if k != key|spResponse || len(body) < 6 || binary.BigEndian.Uint32(body[:4]) != corr {
			return nil, fmt.Errorf("unexpected frame %#04x waiting for the answer to %#04x", k, key)
		}
		if code := binary.BigEndian.Uint16(body[4:6]); code != spOK {
			return nil, errCode(code)
		}
		return body[6:], nil
	}
}

func (c *TrackingClient) send(key uint16, corr uint32, content []byte) error {
	var w frameWriter
	w.u32(corr)
	w.raw(content)
	return c.write(key, w.Bytes())
}

// write sends one frame: size, key, version 1, content.
func (c *TrackingClient) write(key uint16, content []byte) error {
	var w frameWriter
	w.u32(uint32(4 + len(content)))
	w.u16(key)
	w.u16(1)
	w.raw(content)
	_, err := c.conn.Write(w.Bytes())
	return err
}

// read returns the next frame's key and what follows its version.
func (c *TrackingClient) read() (uint16, []byte, error) {
	var size uint32
	if err := binary.Read(c.r, binary.BigEndian, &size); err != nil {
		return 0, nil, err
	}
	if size < 4 || size > 1<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", size)
	}
	frame := make([]byte, size)
	if _, err := io.ReadFull(c.r, frame); err != nil {
		return 0, nil, err
	}
	return binary.BigEndian.Uint16(frame[:2]), frame[4:], nil
}

// frameWriter builds frame contents in the protocol's types.
type frameWriter struct{ bytes.Buffer }

func (w *frameWriter) u16(v uint16) { _ = binary.Write(w, binary.BigEndian, v) }
func (w *frameWriter) u32(v uint32) { _ = binary.Write(w, binary.BigEndian, v) }
func (w *frameWriter) u64(v uint64) { _ = binary.Write(w, binary.BigEndian, v) }
func (w *frameWriter) raw(b []byte) { w.Write(b) }
func (w *frameWriter) str(s string) { w.u16(uint16(len(s))); w.WriteString(s) }
func (w *frameWriter) blob(b []byte) {
	w.u32(uint32(len(b)))
	w.Write(b)
}
