package smoke

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// TestGatewayLBTLSAuth runs config/gateway-lb.yaml with
// config/overlays/gateway-lb-tls-auth.yaml in front of a gateway with mutual
// TLS and bearer tokens (gateway-tls-auth.yaml): a client with a listed token
// gets in over TLS and its spans reach the gateway's back end through the
// load balancer's TLS + client certificate + token hop; no token, a wrong
// one and plaintext are refused; no token appears in a log.
func TestGatewayLBTLSAuth(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	root := testutil.RepoRoot(t)
	p := newPKI(t)
	tokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokens, []byte(agentToken+" # agents and the load balancer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte(agentToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startTLSGateway(t, bin, p, tokens, true, "gateway-mtls")

	addr := func(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
	lp := testutil.FreePorts(t, 4)
	lb := &collector{health: "http://" + addr(lp[2]) + "/", grpc: addr(lp[0])}
	lb.runConfigs(t, "gateway-lb", bin, []string{
		filepath.Join(root, "config", "gateway-lb.yaml"),
		filepath.Join(root, "config", "overlays", "gateway-lb-tls-auth.yaml"),
	}, t.TempDir(), []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(lp[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(lp[1]),
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(lp[2]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", lp[3]),
		// One gateway, listed twice: the ring routes every trace to it.
		"PERISCOPE_GATEWAY_1=" + gw.grpc,
		"PERISCOPE_GATEWAY_2=" + gw.grpc,
		"PERISCOPE_TLS_CERT_FILE=" + p.serverCert,
		"PERISCOPE_TLS_KEY_FILE=" + p.serverKey,
		"PERISCOPE_AUTH_TOKEN_FILE=" + tokens,
		"PERISCOPE_GATEWAY_CA_FILE=" + p.caFile,
		"PERISCOPE_GATEWAY_CERT_FILE=" + p.clientCert,
		"PERISCOPE_GATEWAY_KEY_FILE=" + p.clientKey,
		"PERISCOPE_GATEWAY_TOKEN_FILE=" + token,
	})

	serverOnly := &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12}
	accepted, refused := map[spanKey]bool{}, map[spanKey]bool{}
	for _, c := range []struct {
		name   string
		client grpcClient
		want   codes.Code
	}{
		{"lb/no-token", grpcClient{serverOnly, ""}, codes.Unauthenticated},
		{"lb/wrong-token", grpcClient{serverOnly, wrongToken}, codes.Unauthenticated},
		{"lb/plaintext-with-token", grpcClient{nil, agentToken}, refusedAny},
		{"lb/token-1", grpcClient{serverOnly, agentToken}, codes.OK},
		{"lb/token-2", grpcClient{serverOnly, agentToken}, codes.OK},
		{"lb/token-3", grpcClient{serverOnly, agentToken}, codes.OK},
	} {
		code, key, err := c.client.export(t, lb.grpc, c.name)
		switch {
		case c.want == codes.OK && code != codes.OK:
			t.Errorf("%s: refused (%v), want accepted", c.name, err)
		case c.want == codes.OK:
			accepted[key] = true
		case code == codes.OK:
			t.Errorf("%s: accepted, want refused", c.name)
		case c.want != refusedAny && code != c.want:
			t.Errorf("%s: %v, want %v", c.name, code, c.want)
		default:
			refused[key] = true
		}
	}
	// Through the load balancer and the gateway's tail sampling (10 s).
	if missing := gw.sink.waitSpans(accepted, 40*time.Second); missing > 0 {
		t.Errorf("%d of %d accepted spans did not reach the back end through the load balancer", missing, len(accepted))
	}
	got := gw.sink.spanIDs()
	for k := range refused {
		if got[k] {
			t.Errorf("a refused span reached the back end: %s", k.span)
		}
	}
	delivered := 0
	for k := range accepted {
		if got[k] {
			delivered++
		}
	}
	t.Logf("client -> gateway-lb (TLS + token) -> gateway (mTLS + token): %d of %d accepted spans delivered, %d refused", delivered, len(accepted), len(refused))
	for name, c := range map[string]*collector{"gateway-lb": lb, "gateway": gw.collector} {
		if err := c.stop(t); err != nil {
			t.Errorf("%s exit after SIGTERM: %v", name, err)
		}
		if strings.Contains(c.out.String(), agentToken) {
			t.Errorf("%s logged a bearer token", name)
		}
	}
}
