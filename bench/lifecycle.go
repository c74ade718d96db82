package main

import (
	"context"
	"log"
	"time"

	"github.com/shoveltap/shoveltap/tap"
)

// lifecycleRow is one start and stop of a tap.
type lifecycleRow struct {
	UpMS    float64 `json:"start_to_running_ms"` // tap.Open until it returns running
	CloseMS float64 `json:"close_ms"`            // Session.Close until it returns
	CleanMS float64 `json:"quit_to_clean_ms"`    // Close called until the API lists nothing of the session
}

func (b *bench) runLifecycle(ctx context.Context) error {
	for i := 0; i < b.plan.lifecycle; i++ {
		t0 := time.Now()
		s, err := tap.Open(ctx, tap.Config{Endpoint: b.ep, Sources: []tap.Source{{Exchange: b.exchange, Key: tap.AllKeys}}})
		if err != nil {
			return err
		}
		up := time.Since(t0)
		go func() {
			for range s.Batches() {
			}
		}()
		time.Sleep(time.Second)
		t1 := time.Now()
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = s.Close(cctx)
		cancel()
		closed := time.Since(t1)
		if err != nil {
			return err
		}
		// Poll the management API until nothing of the session is listed.
		clean := time.Duration(-1)
		for time.Since(t1) < 20*time.Second {
			left, err := b.api.objects(ctx, b.vhost, s.Names().Base)
			if err == nil && len(left) == 0 {
				clean = time.Since(t1)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		row := lifecycleRow{UpMS: ms(up), CloseMS: ms(closed), CleanMS: ms(clean)}
		b.res.Lifecycle = append(b.res.Lifecycle, row)
		log.Printf("bench: lifecycle %d: up %.0f ms, close %.0f ms, clean %.0f ms", i+1, row.UpMS, row.CloseMS, row.CleanMS)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
