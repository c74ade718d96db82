package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestRotatedGivesEachKindEachPlace(t *testing.T) {
	kinds := []string{"none", "a", "b"}
	first := map[string]bool{}
	for rep := 0; rep < 3; rep++ {
		r := rotated(kinds, rep)
		if len(r) != 3 {
			t.Fatalf("rep %d: %v", rep, r)
		}
		first[r[0]] = true
	}
	if len(first) != 3 {
		t.Fatalf("not every kind came first once: %v", first)
	}
	if got := rotated(kinds, 1); !reflect.DeepEqual(got, []string{"a", "b", "none"}) {
		t.Fatalf("rotated(…, 1) = %v", got)
	}
	if kinds[0] != "none" {
		t.Fatal("rotated changed its input")
	}
}

// TestBrokerPIDFindsTheLocalNode finds the local RabbitMQ's process by
// its AMQP listener, as the bench does for a node whose API reports no
// os_pid.
func TestBrokerPIDFindsTheLocalNode(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the local RabbitMQ")
	}
	if brokerPID("42", 5672) != "42" {
		t.Fatal("the API's pid must win")
	}
	pid := brokerPID("", 5672)
	if pid == "" {
		t.Fatal("no process found listening on 5672")
	}
	cmd, err := os.ReadFile("/proc/" + pid + "/cmdline")
	if err != nil || !strings.Contains(string(cmd), "beam") {
		t.Fatalf("pid %s is not a beam process: %q %v", pid, cmd, err)
	}
	if _, err := cpuTicks(pid); err != nil {
		t.Fatalf("cpuTicks(%s): %v", pid, err)
	}
	if brokerPID("", 1) != "" {
		t.Fatal("found a process for a port no one listens on")
	}
}
