package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/shoveltap/shoveltap/tap/broker"
	"github.com/shoveltap/shoveltap/tap/taptest"
)

func TestRouteNeedsExchange(t *testing.T) {
	r := runArgs(t, "", false, "route", "--key", "k")
	if r.code != 2 || !strings.Contains(r.stderr, "--exchange is required") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestRouteCommand runs shoveltap route against a topology in a
// throwaway vhost: a near miss of a topic binding, explained in one line,
// and a queue whose dead letters go nowhere.
func TestRouteCommand(t *testing.T) {
	ep := taptest.Endpoint(t)
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Overview(context.Background()); err != nil {
		taptest.NeedBroker(t, "management API at "+ep.API, err)
	}
	ep = taptest.Vhost(t, ep)
	ch := taptest.Channel(t, ep)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ch.ExchangeDeclare("orders", "topic", false, false, false, false, nil))
	must(ch.ExchangeDeclare("dlx", "direct", false, false, false, false, nil))
	_, err = ch.QueueDeclare("paid", true, false, false, false, amqp.Table{"x-dead-letter-exchange": "dlx"})
	must(err)
	_, err = ch.QueueDeclare("all", true, false, false, false, nil)
	must(err)
	must(ch.QueueBind("paid", "order.*.paid", "orders", false, nil))
	must(ch.QueueBind("all", "order.#", "orders", false, nil))

	conn := []string{"--url", ep.AMQP.String(), "--api", ep.API}
	r := runArgs(t, "", false, append([]string{"route", "--exchange", "orders", "--key", "order.paid", "--queue", "paid"}, conn...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("shoveltap route prints:\n%s", r.stdout)
	for _, want := range []string{
		"routed to 1 queue(s)",
		"→ queue all",
		"Queue paid: queue paid was not reached: `order.*.paid` needs exactly one word between `order` and `paid` where `order.paid` has none",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}

	r = runArgs(t, "", false, append([]string{"route", "--exchange", "orders", "--key", "order.eu.paid", "--json"}, conn...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var ans struct {
		Result struct {
			Verdict  string `json:"verdict"`
			RoutedTo []struct {
				Queue string `json:"queue"`
			} `json:"routed_to"`
		} `json:"result"`
		DeadLetters []struct {
			Queue  string `json:"queue"`
			Result struct {
				Verdict string `json:"verdict"`
			} `json:"result"`
		} `json:"dead_letters"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ans); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if ans.Result.Verdict != "routed" || len(ans.Result.RoutedTo) != 2 {
		t.Errorf("json: %+v", ans.Result)
	}
	if len(ans.DeadLetters) != 1 || ans.DeadLetters[0].Queue != "paid" || ans.DeadLetters[0].Result.Verdict != "unroutable" {
		t.Errorf("paid's dead letters go to dlx, where nothing is bound: %+v", ans.DeadLetters)
	}

	r = runArgs(t, "", false, append([]string{"route", "--exchange", "orders", "--key", "invoice"}, conn...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "UNROUTABLE") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestRouteAndTopologyEscapeHostileNames: a client may declare names with
// escape sequences in them; route and topology print them as visible
// escapes, never raw to the terminal.
func TestRouteAndTopologyEscapeHostileNames(t *testing.T) {
	ep := taptest.Endpoint(t)
	admin, err := broker.NewAdmin(ep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Overview(context.Background()); err != nil {
		taptest.NeedBroker(t, "management API at "+ep.API, err)
	}
	ep = taptest.Vhost(t, ep)
	ch := taptest.Channel(t, ep)
	const evil = "evil\x1b]0;owned\x07\x1b[2J"
	if err := ch.ExchangeDeclare("orders", "topic", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(evil, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(evil, "order.#", "orders", false, nil); err != nil {
		t.Fatal(err)
	}
	conn := []string{"--url", ep.AMQP.String(), "--api", ep.API}
	for _, args := range [][]string{
		{"route", "--exchange", "orders", "--key", "order.paid"},
		{"topology", "--exchange", "orders"},
	} {
		r := runArgs(t, "", false, append(args, conn...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
		if strings.ContainsAny(r.stdout, "\x1b\x07") {
			t.Errorf("%v printed a raw control character: %q", args, r.stdout)
		}
		if !strings.Contains(r.stdout, `evil\x1b`) {
			t.Errorf("%v does not show the name escaped: %q", args, r.stdout)
		}
	}
}
