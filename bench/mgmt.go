package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// mgmt is the few management API calls the harness needs. It talks plain
// HTTP so that what is asked of the broker is visible here.
type mgmt struct {
	base, user, pass string
	http             *http.Client
}

func newMgmt(base, user, pass string) *mgmt {
	return &mgmt{base: strings.TrimRight(base, "/"), user: user, pass: pass, http: &http.Client{Timeout: 10 * time.Second}}
}

func (m *mgmt) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base+path, rd)
	if err != nil {
		return err
	}
	req.SetBasicAuth(m.user, m.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := m.http.Do(req)
	if err != nil {
		return fmt.Errorf("management API %s %s: %w (is the management plugin on %s?)", method, path, err, m.base)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("management API %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("management API %s %s: unexpected answer: %w", method, path, err)
		}
	}
	return nil
}

func esc(vhost string) string { return url.PathEscape(vhost) }

// createVhost makes the benchmark's own vhost and lets the user in. All
// benchmark objects live there, so other users of the broker are not
// disturbed (tracing is per vhost) and deleting it removes every leftover.
func (m *mgmt) createVhost(ctx context.Context, vhost string) error {
	if err := m.do(ctx, "PUT", "/api/vhosts/"+esc(vhost), map[string]any{"tracing": false}, nil); err != nil {
		return err
	}
	perm := map[string]string{"configure": ".*", "write": ".*", "read": ".*"}
	return m.do(ctx, "PUT", "/api/permissions/"+esc(vhost)+"/"+url.PathEscape(m.user), perm, nil)
}

func (m *mgmt) deleteVhost(ctx context.Context, vhost string) error {
	return m.do(ctx, "DELETE", "/api/vhosts/"+esc(vhost), nil, nil)
}

func (m *mgmt) setTracing(ctx context.Context, vhost string, on bool) error {
	return m.do(ctx, "PUT", "/api/vhosts/"+esc(vhost), map[string]any{"tracing": on}, nil)
}

func (m *mgmt) tracing(ctx context.Context, vhost string) (bool, error) {
	var v struct {
		Tracing bool `json:"tracing"`
	}
	err := m.do(ctx, "GET", "/api/vhosts/"+esc(vhost), nil, &v)
	return v.Tracing, err
}

// vhostExists is false once a vhost is gone.
func (m *mgmt) vhostExists(ctx context.Context, vhost string) (bool, error) {
	var vs []struct {
		Name string `json:"name"`
	}
	if err := m.do(ctx, "GET", "/api/vhosts?columns=name", nil, &vs); err != nil {
		return false, err
	}
	for _, v := range vs {
		if v.Name == vhost {
			return true, nil
		}
	}
	return false, nil
}

type versions struct {
	RabbitMQ string `json:"rabbitmq"`
	Erlang   string `json:"erlang"`
	Node     string `json:"node"`
}

func (m *mgmt) versions(ctx context.Context) (versions, error) {
	var o struct {
		RabbitMQ string `json:"rabbitmq_version"`
		Erlang   string `json:"erlang_version"`
		Node     string `json:"node"`
	}
	err := m.do(ctx, "GET", "/api/overview", nil, &o)
	return versions{o.RabbitMQ, o.Erlang, o.Node}, err
}

type nodeStats struct {
	Name    string `json:"name"`
	OSPid   string `json:"os_pid"`
	MemUsed int64  `json:"mem_used"`
	Procs   int64  `json:"proc_used"`
}

func (m *mgmt) node(ctx context.Context, name string) (nodeStats, error) {
	var n nodeStats
	err := m.do(ctx, "GET", "/api/nodes/"+url.PathEscape(name)+"?columns=name,os_pid,mem_used,proc_used", nil, &n)
	return n, err
}

type queueInfo struct {
	Name     string `json:"name"`
	Messages int64  `json:"messages"`
}

func (m *mgmt) queues(ctx context.Context, vhost string) ([]queueInfo, error) {
	var qs []queueInfo
	err := m.do(ctx, "GET", "/api/queues/"+esc(vhost)+"?columns=name,messages", nil, &qs)
	return qs, err
}

// objects lists the names of queues, exchanges and shovels in a vhost whose
// name starts with prefix.
func (m *mgmt) objects(ctx context.Context, vhost, prefix string) ([]string, error) {
	var found []string
	for _, kind := range []string{"queues", "exchanges", "parameters/shovel"} {
		var list []struct {
			Name string `json:"name"`
		}
		if err := m.do(ctx, "GET", "/api/"+kind+"/"+esc(vhost), nil, &list); err != nil {
			return nil, err
		}
		for _, o := range list {
			if strings.HasPrefix(o.Name, prefix) {
				found = append(found, kind+"/"+o.Name)
			}
		}
	}
	return found, nil
}

// cpuTicks reads the user+system CPU time of a process from /proc, in
// clock ticks (USER_HZ, 100 per second on Linux).
func cpuTicks(pid string) (int64, error) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; fields after its ')' are fixed.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st, nil
}
