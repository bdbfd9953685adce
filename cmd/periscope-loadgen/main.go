// Command periscope-loadgen sends realistic GenAI traffic to a collector by
// OTLP/gRPC: real samples replayed with content made distinct per span and
// padded to a size, in a fixed number of batches from several workers.
// With --bench it runs the side-by-side scenarios of `make bench` and
// prints collector CPU per span, the ratio to pass-through and peak RSS.
//
//	periscope-loadgen --endpoint 127.0.0.1:4317 --spans 100000 --batch 100 --workers 4
//	periscope-loadgen --bench --bin bin/periscope --spans 20000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/periscope-otel/periscope/internal/traffic"
)

type options struct {
	endpoint string
	samples  string
	spans    int
	batch    int
	workers  int
	pad      int
}

func main() {
	var o options
	flag.StringVar(&o.endpoint, "endpoint", "127.0.0.1:4317", "OTLP/gRPC endpoint")
	flag.StringVar(&o.samples, "samples", "../shared/data/genai-samples", "OTLP/JSON trace samples (files or directories, comma-separated)")
	flag.IntVar(&o.spans, "spans", 100000, "spans to send")
	flag.IntVar(&o.batch, "batch", 100, "spans per request")
	flag.IntVar(&o.workers, "workers", 4, "concurrent senders")
	flag.IntVar(&o.pad, "pad", 4096, "bytes of padding text added to each span's content")
	bench := flag.Bool("bench", false, "run the make-bench scenarios against --bin")
	bin := flag.String("bin", "bin/periscope", "with --bench: the Periscope binary")
	only := flag.String("only", "", "with --bench: scenarios whose names contain one of these |-separated words")
	rounds := flag.Int("rounds", 1, "with --bench: run the scenarios round-robin this many times and print medians")
	flag.Parse()
	var err error
	if *bench {
		err = runBench(o, *bin, *only, *rounds)
	} else {
		var st sendStats
		st, err = send(context.Background(), o)
		if err == nil {
			fmt.Printf("sent %d spans in %d requests in %v (%.0f spans/s)\n", st.spans, st.requests, st.elapsed.Round(time.Millisecond),
				float64(st.spans)/st.elapsed.Seconds())
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "periscope-loadgen:", err)
		os.Exit(1)
	}
}

type sendStats struct {
	spans, requests int64
	elapsed         time.Duration
}

// send delivers o.spans spans in batches of o.batch from o.workers
// goroutines; every request must be accepted.
func send(ctx context.Context, o options) (sendStats, error) {
	tpls, err := traffic.LoadTemplates(strings.Split(o.samples, ","))
	if err != nil {
		return sendStats{}, err
	}
	gen := traffic.NewGenerator(tpls, o.pad)
	conn, err := grpc.NewClient(o.endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		return sendStats{}, err
	}
	defer conn.Close()
	client := ptraceotlp.NewGRPCClient(conn)
	batches := (o.spans + o.batch - 1) / o.batch
	var next atomic.Int64
	var st sendStats
	var firstErr error
	var mu sync.Mutex
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < o.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1)) - 1
				if b >= batches {
					return
				}
				n := min(o.batch, o.spans-b*o.batch)
				td := gen.Batch(uint64(b*o.batch), n)
				cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				_, err := client.Export(cctx, ptraceotlp.NewExportRequestFromTraces(td))
				cancel()
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("batch %d: %w", b, err)
					}
					mu.Unlock()
					return
				}
				atomic.AddInt64(&st.spans, int64(n))
				atomic.AddInt64(&st.requests, 1)
			}
		}()
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	return st, firstErr
}
