package taptest

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/shoveltap/shoveltap/tap/broker"
)

// Proxy forwards TCP connections to the broker's AMQP port, so that a test
// can cut every connection through it at once, as a network failure
// would. It works the same on every broker version, whatever the
// management API says about connections.
type Proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	held  bool // new connections are closed at once
}

// ProxyTo starts a proxy to ep's AMQP listener and returns it with an
// endpoint that connects through it (the management API stays direct).
func ProxyTo(t testing.TB, ep broker.Endpoint) (*Proxy, broker.Endpoint) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln}
	go p.serve(ep.Address())
	t.Cleanup(func() { ln.Close(); p.Cut() })
	via := ep
	via.AMQP.Host = "127.0.0.1"
	via.AMQP.Port = ln.Addr().(*net.TCPAddr).Port
	return p, via
}

func (p *Proxy) serve(target string) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		held := p.held
		p.mu.Unlock()
		if held {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

// Cut closes every connection through the proxy; new ones still work.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Hold makes the proxy close every new connection at once, as a broker
// that cannot be reached; Release lets them through again.
func (p *Proxy) Hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = true
}

// Release ends Hold.
func (p *Proxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = false
}
