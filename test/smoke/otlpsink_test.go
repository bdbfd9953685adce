package smoke

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding"
)

// The shipped exporters compress with zstd; grpc-go only knows gzip.
func init() { encoding.RegisterCompressor(zstdCodec{}) }

type zstdCodec struct{}

func (zstdCodec) Name() string { return "zstd" }

func (zstdCodec) Compress(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) }

func (zstdCodec) Decompress(r io.Reader) (io.Reader, error) {
	d, err := zstd.NewReader(r)
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

// otlpSink is an in-process OTLP/gRPC backend that keeps every request it
// accepted, decoded and as the raw protobuf bytes that went over the wire.
type otlpSink struct {
	addr string
	// delay makes each trace export take this long (nanoseconds): a back end
	// slower than the input.
	delay atomic.Int64

	mu     sync.Mutex
	traces []ptrace.Traces
	logs   []plog.Logs
	raw    [][]byte
}

// startSink listens on a free loopback port (TLS when tlsCfg is set).
func startSink(t *testing.T, tlsCfg *tls.Config) *otlpSink {
	t.Helper()
	return startSinkOn(t, "127.0.0.1:0", tlsCfg)
}

// startSinkOn listens on addr: a back end that comes up late.
func startSinkOn(t *testing.T, addr string, tlsCfg *tls.Config) *otlpSink {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	if tlsCfg != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsCfg)))
	}
	srv := grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(64<<20))...)
	s := &otlpSink{addr: l.Addr().String()}
	ptraceotlp.RegisterGRPCServer(srv, &sinkTraces{s: s})
	plogotlp.RegisterGRPCServer(srv, &sinkLogs{s: s})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return s
}

type sinkTraces struct {
	ptraceotlp.UnimplementedGRPCServer
	s *otlpSink
}

func (x *sinkTraces) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	// Re-read while waiting: a back end that recovers finishes what it holds.
	for start := time.Now(); time.Since(start) < time.Duration(x.s.delay.Load()); {
		time.Sleep(20 * time.Millisecond)
	}
	raw, _ := req.MarshalProto()
	td := ptrace.NewTraces()
	req.Traces().CopyTo(td)
	x.s.mu.Lock()
	x.s.traces = append(x.s.traces, td)
	x.s.raw = append(x.s.raw, raw)
	x.s.mu.Unlock()
	return ptraceotlp.NewExportResponse(), nil
}

type sinkLogs struct {
	plogotlp.UnimplementedGRPCServer
	s *otlpSink
}

func (x *sinkLogs) Export(_ context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	raw, _ := req.MarshalProto()
	ld := plog.NewLogs()
	req.Logs().CopyTo(ld)
	x.s.mu.Lock()
	x.s.logs = append(x.s.logs, ld)
	x.s.raw = append(x.s.raw, raw)
	x.s.mu.Unlock()
	return plogotlp.NewExportResponse(), nil
}

// spanIDs returns the ids of every span received so far.
func (s *otlpSink) spanIDs() map[spanKey]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[spanKey]bool{}
	for _, td := range s.traces {
		for _, rs := range td.ResourceSpans().All() {
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					out[spanKey{sp.TraceID(), sp.SpanID()}] = true
				}
			}
		}
	}
	return out
}

// logCount returns the number of log records received so far.
func (s *otlpSink) logCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ld := range s.logs {
		n += ld.LogRecordCount()
	}
	return n
}

// waitSpans waits until every span in want has arrived or the timeout passed
// and returns how many are still missing.
func (s *otlpSink) waitSpans(want map[spanKey]bool, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		got := s.spanIDs()
		missing := 0
		for k := range want {
			if !got[k] {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			return missing
		}
		time.Sleep(100 * time.Millisecond)
	}
}
