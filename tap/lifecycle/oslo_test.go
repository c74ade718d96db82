package lifecycle_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/lifecycle"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

// clientReport is what oslo_rpc.py client prints at the end: how long each
// call took by the client's clock.
type clientReport struct {
	Echo    []float64 `json:"echo"`
	Explode []struct {
		Took  float64 `json:"took"`
		Type  string  `json:"type"`
		Value string  `json:"value"`
	} `json:"explode"`
	Nobody []float64 `json:"nobody"`
}

// A real oslo.messaging RPC server and client make calls that succeed,
// raise and time out; the model, fed with the tapped calls (the topic
// exchange) and replies (the default exchange to the reply queue, through
// the firehose), shows each method's latency, failures and the call that
// got no reply.
func TestRealOsloRPC(t *testing.T) {
	requirePython(t, "oslo_messaging", "python3-oslo.messaging")
	ep := taptest.Vhost(t, taptest.Endpoint(t))
	taptest.NeedTransientQueues(t, ep, "oslo.messaging 14 (its reply queues)")
	scripts, err := filepath.Abs("../../scripts/lifecycle_e2e")
	if err != nil {
		t.Fatal(err)
	}
	topic := taptest.Name("lc-topic")
	env := append(os.Environ(), "OSLO_TOPIC="+topic, "PYTHONDONTWRITEBYTECODE=1",
		"OSLO_TRANSPORT_URL="+fmt.Sprintf("rabbit://%s:%s@%s/%s", ep.User, ep.Password, ep.Address(), ep.Vhost))
	script := filepath.Join(scripts, "oslo_rpc.py")

	log := &lockedBuffer{}
	server := exec.Command(systemPython, script, "server")
	server.Env = env
	serverOut, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	server.Stderr = log
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = server.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = server.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("oslo log:\n%s", log.String())
		}
	})
	if line := readLine(t, bufio.NewReader(serverOut), 30*time.Second); !strings.Contains(line, "serving") {
		t.Fatalf("server said %q", line)
	}

	client := exec.Command(systemPython, script, "client", "5")
	client.Env = env
	client.Stderr = log
	stdin, err := client.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := client.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Process.Kill(); _ = client.Wait() })
	out := bufio.NewReader(stdout)
	var hello struct {
		ReplyQ string `json:"reply_q"`
	}
	if line := readLine(t, out, 30*time.Second); json.Unmarshal([]byte(line), &hello) != nil || hello.ReplyQ == "" {
		t.Fatalf("client said %q", line)
	}

	// The calls go through the control exchange ("openstack"), the replies
	// through the default exchange straight to the client's reply queue.
	f := newFeed()
	f.open(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Exchange: "openstack", Key: tap.AllKeys}}, NoShovel: true, Host: "it-lcoslo-x"})
	f.open(t, tap.Config{Endpoint: ep, Sources: []tap.Source{{Queue: hello.ReplyQ}}, Firehose: true,
		Host: "it-lcoslo-fh", Warn: func(string) {}})
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	var rep clientReport
	if line := readLine(t, out, 60*time.Second); json.Unmarshal([]byte(line), &rep) != nil ||
		len(rep.Echo) != 5 || len(rep.Explode) != 2 || len(rep.Nobody) != 1 {
		t.Fatalf("client reported %q", line)
	}

	noReply := 3 * time.Second
	m := lifecycle.New(lifecycle.Config{NoReplyAfter: noReply})
	f.until(t, m, 30*time.Second, "every call and reply", func() bool {
		rows := methods(m.Snapshot(time.Now()))
		return rows["echo"].Replied == 5 && rows["explode"].Replied == 2 && rows["nobody_home"].Calls == 1
	})
	f.drain(m, time.Second)
	rows := methods(m.Snapshot(time.Now()))

	echo := rows["echo"]
	maxTook := 0.0
	for _, d := range rep.Echo {
		maxTook = max(maxTook, d)
	}
	// The tap sees the call a little after the client sends it and the
	// reply a little before the client reads it: the latency lies between
	// the server's 100 ms and what the client measured.
	if echo.Calls != 5 || echo.Replied != 5 || echo.Failed != 0 || echo.Pending != 0 || echo.Latency.Count != 5 ||
		echo.Latency.Min < 99*time.Millisecond || echo.Latency.Max.Seconds() > maxTook+0.05 {
		t.Errorf("echo %+v (client's slowest call %.3fs)", echo, maxTook)
	}
	ex := rows["explode"]
	if ex.Calls != 2 || ex.Replied != 2 || ex.Failed != 2 || ex.LastFailure == nil ||
		!strings.Contains(ex.LastFailure.Exception, "ValueError: kaboom") {
		t.Errorf("explode %+v failure %+v (client saw %+v)", ex, ex.LastFailure, rep.Explode)
	}
	nb := rows["nobody_home"]
	if nb.Calls != 1 || nb.Replied != 0 || nb.Pending != 1 {
		t.Errorf("nobody_home %+v", nb)
	}
	calls := m.Calls(0, func(c *lifecycle.Call) bool { return c.Method == "nobody_home" })
	if len(calls) != 1 {
		t.Fatalf("nobody_home calls %+v", calls)
	}
	c := calls[0]
	if st := c.Status(c.Sent.Add(time.Second), noReply); st != "no reply yet" {
		t.Errorf("status after 1 s: %q", st)
	}
	// Its own 1 s timeout says when waiting is over, if the call carries
	// it; else the configured one.
	if st := c.Status(c.Sent.Add(noReply+time.Second), noReply); st != "no reply" {
		t.Errorf("status after the timeout: %q (call %+v)", st, c)
	}
	if r := methods(m.Snapshot(c.Sent.Add(noReply + time.Second)))["nobody_home"]; r.NoReply != 1 {
		t.Errorf("no reply count %+v", r)
	}
	if c.ReplyQ != hello.ReplyQ || c.MsgID == "" {
		t.Errorf("call %+v", c)
	}
	for _, e := range m.Calls(0, func(c *lifecycle.Call) bool { return c.Method == "echo" }) {
		if d, ok := e.Latency(); !ok || d <= 0 || e.Status(time.Now(), noReply) != "replied" || !e.Ending {
			t.Errorf("echo call %+v", e)
		}
	}
}

func methods(s lifecycle.Snapshot) map[string]lifecycle.MethodRow {
	out := map[string]lifecycle.MethodRow{}
	for _, r := range s.Methods {
		out[r.Method] = r
	}
	return out
}

// readLine reads one line or fails after timeout.
func readLine(t *testing.T, r *bufio.Reader, timeout time.Duration) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() {
		s, _ := r.ReadString('\n')
		ch <- s
	}()
	select {
	case s := <-ch:
		return strings.TrimSpace(s)
	case <-time.After(timeout):
		t.Fatalf("no line within %v", timeout)
	}
	return ""
}
