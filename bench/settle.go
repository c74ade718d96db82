package main

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// settle waits until the broker is back at rest before a saturation run:
// the production queue empty (read exactly, with a passive declare, not
// from the management API's sampled statistics) and no queue of an
// earlier tap left in the vhost. Without it a run inherited the backlog of
// the run before: its consumer was still draining up to 200 k messages
// while the next run published, so whichever kind came next (the no-tap
// baseline, first in each repetition) was measured on a busy broker.
func (b *bench) settle(ctx context.Context, timeout time.Duration) error {
	conn, err := amqp.Dial(b.url)
	if err != nil {
		return fmt.Errorf("settling: %w", err)
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	for {
		ch, err := conn.Channel()
		if err != nil {
			return fmt.Errorf("settling: %w", err)
		}
		q, err := ch.QueueDeclarePassive(b.prodQ, true, false, false, false, amqp.Table{"x-max-length": int64(200_000)})
		_ = ch.Close()
		if err != nil {
			return fmt.Errorf("settling: reading the production queue: %w", err)
		}
		taps, terr := b.tapQueues(ctx)
		if q.Messages == 0 && terr == nil && len(taps) == 0 {
			break
		}
		if time.Now().After(deadline) {
			log.Printf("bench: not settled after %s (production queue %d, tap queues %v); measuring anyway", timeout, q.Messages, taps)
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	// A moment for the broker's own work (queue deletion, GC) to end.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Second):
	}
	return nil
}

// rotated is kinds starting at the rep-th one: each kind takes each place
// in turn over the repetitions, so that no kind is always measured right
// after the same other one.
func rotated[T any](kinds []T, rep int) []T {
	if len(kinds) == 0 {
		return nil
	}
	i := rep % len(kinds)
	return append(append([]T(nil), kinds[i:]...), kinds[:i]...)
}

// brokerPID is the OS process of the node: the management API's os_pid,
// or, when the node reports none (a broker without management metrics
// collection, as a hardened RabbitMQ 4 is, answers without it), the
// process that listens on the AMQP port. Before, the CPU column read 0
// for such a node. A node's name is not on beam's command line, so the
// listening socket is what identifies it.
func brokerPID(apiPID string, amqpPort int) string {
	if apiPID != "" {
		return apiPID
	}
	inodes := listeningInodes(amqpPort)
	if len(inodes) == 0 {
		return ""
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		fds, _ := os.ReadDir(filepath.Join(d, "fd"))
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(d, "fd", fd.Name()))
			if err == nil && inodes[link] {
				return filepath.Base(d)
			}
		}
	}
	return ""
}

// listeningInodes are the sockets ("socket:[inode]") listening on port,
// IPv4 or IPv6, from /proc/net/tcp{,6}.
func listeningInodes(port int) map[string]bool {
	found := map[string]bool{}
	want := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Fields(line)
			// local_address is field 1, st field 3 (0A: LISTEN), inode field 9.
			if len(fields) > 9 && strings.HasSuffix(fields[1], want) && fields[3] == "0A" {
				found["socket:["+fields[9]+"]"] = true
			}
		}
	}
	return found
}

// amqpPort is the port of an AMQP URL (5672, or 5671 for amqps, when it
// names none).
func amqpPort(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if u.Scheme == "amqps" {
		return 5671
	}
	return 5672
}
