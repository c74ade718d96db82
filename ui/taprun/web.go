package taprun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap"
	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/metrics"
	"github.com/shoveltap/shoveltap/ui/web"
)

// envWebToken gives the web monitor's token without putting it on the
// command line, where ps shows it.
const envWebToken = "SHOVELTAP_WEB_TOKEN"

// webFlags are the flags of the browser monitor.
type webFlags struct {
	addr  string
	token string
	only  bool
}

func (f *webFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "web", "", "also serve a live, read-only web page of the tap on `ADDR` (e.g. 127.0.0.1:8080); an address that is not loopback needs a token")
	fs.StringVar(&f.token, "web-token", "", "`TOKEN` the web page requires on every request; generated and printed once when --web is not loopback and none is given")
	fs.BoolVar(&f.only, "web-only", false, "with --web: serve the page only, with neither the terminal UI nor JSON output (until a signal, --count or --duration)")
	cmdline.Group(fs, cmdline.GroupWeb, "web", "web-token", "web-only")
	cmdline.BindEnv(fs, map[string]string{"web-token": envWebToken})
}

// check refuses combinations that cannot work, before anything is created.
func (f *webFlags) check(hasSources bool, con cmdline.Console) error {
	if f.addr == "" && (f.only || f.token != "") {
		return errors.New("--web-only and --web-token go with --web ADDR (e.g. --web 127.0.0.1:8080)")
	}
	if f.only && !hasSources {
		return errors.New("nothing to tap: --web-only needs --exchange NAME or --queue NAME (the source picker needs the terminal UI)")
	}
	if f.token == "" {
		f.token = con.Env(envWebToken)
	}
	return nil
}

// startWeb starts the monitor the flags ask for, nil when none, and says
// where it is.
func startWeb(f *webFlags, retain int, m *metrics.Collector, traceURL string, con cmdline.Console) (*web.Server, error) {
	if f.addr == "" {
		return nil, nil
	}
	cfg := web.Config{Addr: f.addr, Token: f.token, Retain: retain, TraceURL: traceURL}
	if m != nil {
		cfg.Metrics = m.Handler()
	}
	srv, err := web.Start(cfg)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(con.Stderr, "shoveltap: web monitor (read-only) at %s\n", srv.URL())
	if srv.Generated() {
		fmt.Fprintln(con.Stderr, "shoveltap: the token above was generated for this run; give --web-token (or "+envWebToken+") to keep one across restarts")
	}
	return srv, nil
}

// stopWeb closes the monitor, giving open pages a moment to go.
func stopWeb(srv *web.Server) {
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Close(ctx)
}

// serveWebOnly feeds the monitor until a signal, --count, --duration or
// the tap's failure ends it.
func (s *tapSessions) serveWebOnly(ctx context.Context, session *tap.Session, batches <-chan tap.Batch) error {
	stderr := s.con.Stderr
	fmt.Fprintf(stderr, "shoveltap: tapping (tap %s) for the web page only; ctrl+c stops\n", session.Names().Base)
	if s.flags.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.flags.duration)
		defer cancel()
	}
	lastState := tap.StateRunning
	seen := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case b, ok := <-batches:
			if !ok {
				if st := session.Status(); st.State == tap.StateFailed {
					return errors.New(st.Detail)
				}
				return nil
			}
			if b.Status.State != lastState {
				lastState = b.Status.State
				fmt.Fprintf(stderr, "shoveltap: tap %s %s\n", b.Status.State, b.Status.Detail)
			}
			seen += len(b.Messages)
			if s.flags.count > 0 && seen >= s.flags.count {
				return nil
			}
		}
	}
}

// webNotice tells the terminal UI where the web monitor is, since what was
// printed before the UI took the screen is hidden while it runs.
func (s *tapSessions) webNotice() string {
	if s.web == nil {
		return ""
	}
	return "web monitor at " + s.web.URL()
}
