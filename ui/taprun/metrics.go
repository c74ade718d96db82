package taprun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap/cmdline"
	"github.com/shoveltap/shoveltap/tap/metrics"
	"github.com/shoveltap/shoveltap/ui/web"
)

// envMetricsToken holds the --metrics token, kept off the command line.
const envMetricsToken = "SHOVELTAP_METRICS_TOKEN"

// metricsFlags are the Prometheus endpoint's flags.
type metricsFlags struct {
	addr  string
	token string
	topN  int
}

func (f *metricsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "metrics", "", "serve Prometheus metrics at http://`ADDR`/metrics (HOST:PORT; off loopback a token is needed, as for --web); --web serves them at /metrics too")
	fs.StringVar(&f.token, "metrics-token", "", "`TOKEN` --metrics requires (Authorization: Bearer TOKEN); generated and printed once when --metrics is not loopback and none is given")
	fs.IntVar(&f.topN, "metrics-top", metrics.DefaultTopN, "routing keys, and Celery tasks or oslo methods, with series of their own in the metrics (at most 1000); the rest count as \"other\"")
	cmdline.Group(fs, cmdline.GroupWeb, "metrics", "metrics-token", "metrics-top")
	cmdline.Join(fs, "metrics", "metrics-token", "metrics-top")
	cmdline.BindEnv(fs, map[string]string{"metrics-token": envMetricsToken})
	cmdline.Brief(fs, map[string]string{"metrics": "Prometheus metrics"})
}

// metricsServer is the --metrics endpoint.
type metricsServer struct {
	http *http.Server
	ln   net.Listener
	url  string
}

// startMetrics serves c at f.addr/metrics behind the web monitor's checks;
// nil without --metrics.
func startMetrics(f *metricsFlags, c *metrics.Collector, con cmdline.Console) (*metricsServer, error) {
	if f.addr == "" {
		return nil, nil
	}
	token := f.token
	if token == "" {
		token = con.Env(envMetricsToken)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", c.Handler())
	h, token, generated, err := web.Protect(f.addr, token, "metrics", mux)
	if err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics: listening on %s: %w (choose another address or port)", f.addr, err)
	}
	s := &metricsServer{
		ln:  ln,
		url: "http://" + ln.Addr().String() + "/metrics",
		http: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			// Not over the terminal UI.
			ErrorLog: log.New(io.Discard, "", 0),
		},
	}
	go func() { _ = s.http.Serve(ln) }()
	fmt.Fprintf(con.Stderr, "shoveltap: Prometheus metrics at %s\n", s.url)
	if token != "" {
		fmt.Fprintln(con.Stderr, "shoveltap: scrape it with the header Authorization: Bearer <token> (Prometheus: authorization: {credentials_file: FILE})")
	}
	if generated {
		fmt.Fprintf(con.Stderr, "shoveltap: generated metrics token for this run: %s (give --metrics-token or %s to keep one across restarts)\n", token, envMetricsToken)
	}
	return s, nil
}

// stop closes the endpoint, letting a scrape in progress finish.
func (s *metricsServer) stop() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		_ = s.http.Close()
	}
}
