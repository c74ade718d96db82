package tap

import "testing"

func TestBaseOf(t *testing.T) {
	n := Names{Base: "shoveltap-ops1-a1b2c3"}
	for _, name := range []string{n.SourceQueue(0), n.Shovel(3), n.Exchange(12), n.Heartbeat(0), n.HeartbeatExchange(), n.TapQueue(), n.LiveQueue()} {
		if base, ok := BaseOf(name); !ok || base != n.Base {
			t.Errorf("BaseOf(%q) = %q, %v", name, base, ok)
		}
	}
	for _, name := range []string{"orders", "shoveltap-", "shoveltap-mirror-orders-1", "shoveltap-mirror-orders-q", "shoveltap-x-y"} {
		if base, ok := BaseOf(name); ok {
			t.Errorf("BaseOf(%q) claims it for %q", name, base)
		}
	}
}

func TestGenerationNamesBelongToTheirSession(t *testing.T) {
	n := Names{Base: "shoveltap-ops1-a1b2c3"}
	for _, name := range []string{n.SourceQueueOf(3, 0), n.HeartbeatOf(12, 4), n.DeadLetterExchange()} {
		if base, ok := BaseOf(name); !ok || base != n.Base {
			t.Errorf("BaseOf(%q) = %q, %v", name, base, ok)
		}
	}
	if n.SourceQueueOf(0, 1) != n.SourceQueue(1) {
		t.Error("generation 0 keeps the original names")
	}
	if n.SourceQueueOf(1, 0) == n.SourceQueueOf(0, 0) {
		t.Error("a new generation needs new queues")
	}
}

func TestExchangeIndexReadsTheName(t *testing.T) {
	n := Names{Base: "shoveltap-h-1a2b3c"}
	for i := range 12 {
		if got, ok := n.exchangeIndex(n.Exchange(i), 12); !ok || got != i {
			t.Errorf("exchangeIndex(%q) = %d, %v", n.Exchange(i), got, ok)
		}
	}
	for _, x := range []string{"", "orders", "shoveltap-h-1a2b3c-x-12", "shoveltap-h-1a2b3c-x-01", "shoveltap-h-1a2b3c-x--1", "shoveltap-h-1a2b3c-hbx", "shoveltap-h-1a2b3c-x-"} {
		if i, ok := n.exchangeIndex(x, 12); ok {
			t.Errorf("exchangeIndex(%q) = %d, want none", x, i)
		}
	}
}
