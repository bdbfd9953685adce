package genaijudgeconnector

import (
	"context"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
)

func TestTLSWithCustomCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		chatReply(w, `{"score":0.9,"verdict":"fail","reason":"tls"}`)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	cfg := testConfig(srv.URL + "/v1")
	cfg.Rubrics = []string{RubricFaithfulness}
	cfg.TLS.CAFile = ca
	h := newHarness(t, cfg)
	require.NoError(t, h.c.ConsumeTraces(context.Background(), failingCall(1)))
	recs := h.waitRecords(t, 1)
	assert.Equal(t, "tls", str(recs[0], "gen_ai.evaluation.explanation"))

	cfg.TLS.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	_, err := newJudgeConnector(nopSettings(), cfg, nil)
	assert.ErrorContains(t, err, "tls:")
}

// A judge that is down loses nothing and slows nothing: the input returns
// at once and the failures are counted.
func TestJudgeDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	cfg := testConfig("http://" + addr + "/v1")
	cfg.Rubrics = []string{RubricFaithfulness}
	cfg.Retries = 1
	cfg.Concurrency = 1
	cfg.Breaker = BreakerConfig{Failures: 3, Cooldown: time.Hour}
	h := newHarness(t, cfg)
	for i := 0; i < 10; i++ {
		require.NoError(t, h.c.ConsumeTraces(context.Background(), failingCall(i)))
	}
	require.Eventually(t, func() bool { return h.counter(t, "failures") == 10 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, int64(3), h.counter(t, "failures", attribute.String("reason", "network")))
	assert.Equal(t, int64(7), h.counter(t, "failures", attribute.String("reason", "circuit_open")))
}
