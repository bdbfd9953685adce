package smoke

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// pki is a throwaway certificate authority with a server certificate for
// 127.0.0.1 and a client certificate, plus a client certificate from another
// CA the gateway must not trust. Paths are PEM files in a temp dir.
type pki struct {
	caFile                string
	serverCert, serverKey string
	clientCert, clientKey string
	rogueCert, rogueKey   string
	pool                  *x509.CertPool
	client, rogue         tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	p := &pki{}
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	serial := int64(1)
	issue := func(tpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, []byte, []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		serial++
		tpl.SerialNumber = big.NewInt(serial)
		tpl.NotBefore = time.Now().Add(-time.Hour)
		tpl.NotAfter = time.Now().Add(24 * time.Hour)
		if parent == nil {
			parent, parentKey = tpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return cert, key, der, keyDER
	}
	caTpl := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	}
	leaf := func(cn string, usage x509.ExtKeyUsage) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	}
	pair := func(certDER, keyDER []byte) tls.Certificate {
		c, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}),
			pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	ca, caKey, caDER, _ := issue(caTpl("periscope test CA"), nil, nil)
	p.caFile = write("ca.crt", "CERTIFICATE", caDER)
	p.pool = x509.NewCertPool()
	p.pool.AddCert(ca)
	_, _, der, keyDER := issue(leaf("periscope-gateway", x509.ExtKeyUsageServerAuth), ca, caKey)
	p.serverCert, p.serverKey = write("server.crt", "CERTIFICATE", der), write("server.key", "PRIVATE KEY", keyDER)
	_, _, der, keyDER = issue(leaf("periscope-agent", x509.ExtKeyUsageClientAuth), ca, caKey)
	p.clientCert, p.clientKey = write("client.crt", "CERTIFICATE", der), write("client.key", "PRIVATE KEY", keyDER)
	p.client = pair(der, keyDER)

	rogueCA, rogueKey, _, _ := issue(caTpl("someone else's CA"), nil, nil)
	_, _, der, keyDER = issue(leaf("intruder", x509.ExtKeyUsageClientAuth), rogueCA, rogueKey)
	p.rogueCert, p.rogueKey = write("rogue.crt", "CERTIFICATE", der), write("rogue.key", "PRIVATE KEY", keyDER)
	p.rogue = pair(der, keyDER)
	return p
}

// Tokens the test gateways accept: the file format of bearertokenauth (one
// token per line, the rest of the line a comment) with two tokens, as during
// a rotation.
const (
	agentToken  = "pst-agents-7f3a9c1e5b2d4068"
	rotateToken = "pst-agents-next-0b1c2d3e4f5a"
	wrongToken  = "pst-agents-7f3a9c1e5b2d4069"
)

// tlsGateway runs config/gateway.yaml with config/overlays/gateway-tls-auth.yaml
// and an in-process backend; mtls also sets the client CA.
type tlsGateway struct {
	*collector
	name string
	sink *otlpSink
	http string // https://host:port of the OTLP/HTTP receiver
}

func startTLSGateway(t *testing.T, bin string, p *pki, tokenFile string, mtls bool, name string) *tlsGateway {
	t.Helper()
	root := testutil.RepoRoot(t)
	sink := startSink(t, nil)
	addr := func(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
	ports := testutil.FreePorts(t, 6)
	dir := mkdir(t, filepath.Join(t.TempDir(), name))
	env := []string{
		"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(ports[0]),
		"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(ports[1]),
		"PERISCOPE_BACKEND_OTLP_ENDPOINT=" + sink.addr,
		"PERISCOPE_PRW_ENDPOINT=http://" + addr(ports[2]) + "/api/v1/write",
		"PERISCOPE_PROMETHEUS_ENDPOINT=" + addr(ports[3]),
		"PERISCOPE_HEALTH_ENDPOINT=" + addr(ports[4]),
		"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", ports[5]),
		"PERISCOPE_STORAGE_DIR=" + filepath.Join(dir, "storage"),
		"PERISCOPE_SAMPLING_PERCENT=100",
		"PERISCOPE_TLS_CERT_FILE=" + p.serverCert,
		"PERISCOPE_TLS_KEY_FILE=" + p.serverKey,
		"PERISCOPE_AUTH_TOKEN_FILE=" + tokenFile,
	}
	if mtls {
		env = append(env, "PERISCOPE_TLS_CLIENT_CA_FILE="+p.caFile)
	}
	g := &tlsGateway{collector: &collector{health: "http://" + addr(ports[4]) + "/", grpc: addr(ports[0])},
		name: name, sink: sink, http: "https://" + addr(ports[1])}
	g.runConfigs(t, name, bin, []string{
		filepath.Join(root, "config", "gateway.yaml"),
		filepath.Join(root, "config", "overlays", "gateway-tls-auth.yaml"),
	}, dir, env)
	return g
}

// oneSpan is a minimal GenAI span with fresh ids.
func oneSpan(name string) (ptrace.Traces, spanKey) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "tls-auth-test")
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	var tid [16]byte
	var sid [8]byte
	_, _ = rand.Read(tid[:])
	_, _ = rand.Read(sid[:])
	sp.SetTraceID(tid)
	sp.SetSpanID(sid)
	sp.SetName("chat gpt-4o-mini " + name)
	sp.SetKind(ptrace.SpanKindClient)
	now := time.Now()
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Second)))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
	a := sp.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o-mini")
	a.PutInt("gen_ai.usage.input_tokens", 12)
	a.PutInt("gen_ai.usage.output_tokens", 3)
	return td, spanKey{sp.TraceID(), sp.SpanID()}
}

type grpcClient struct {
	tls   *tls.Config // nil: plaintext
	token string      // "": no authorization header
}

// export sends one span to addr over OTLP/gRPC and returns the status code.
func (c grpcClient) export(t *testing.T, addr, name string) (codes.Code, spanKey, error) {
	t.Helper()
	creds := insecure.NewCredentials()
	if c.tls != nil {
		creds = credentials.NewTLS(c.tls)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c.token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.token)
	}
	td, key := oneSpan(name)
	_, err = ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
	return status.Code(err), key, err
}

// postHTTP sends one span to url over OTLP/HTTP (protobuf) and returns the
// HTTP status, or 0 and the error when no response came back.
func postHTTP(t *testing.T, url string, cfg *tls.Config, token string) (int, error) {
	t.Helper()
	td, _ := oneSpan("http")
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/traces", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestGatewayTLSAuth runs the shipped gateway with the TLS/auth overlay, once
// with server TLS and bearer tokens and once with mutual TLS on top, and
// checks who gets in: a TLS client with a listed token is accepted; no token,
// a wrong token, plaintext, and (with mTLS) a missing or foreign client
// certificate are refused. Then an agent with the agent overlay delivers
// spans end to end over TLS + token + client certificate, and one with a
// wrong token is refused.
func TestGatewayTLSAuth(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	start := time.Now()
	p := newPKI(t)
	tokenFile := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokenFile, []byte(agentToken+" # agents, current\n"+rotateToken+" # agents, next\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startTLSGateway(t, bin, p, tokenFile, false, "gateway-tls")
	mgw := startTLSGateway(t, bin, p, tokenFile, true, "gateway-mtls")
	t.Logf("gateways healthy after %v", time.Since(start).Round(time.Millisecond))

	serverOnly := &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12}
	withCert := &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{p.client}}
	withRogue := &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{p.rogue}}

	accepted := map[*tlsGateway]map[spanKey]bool{gw: {}, mgw: {}}
	refused := map[*tlsGateway]map[spanKey]bool{gw: {}, mgw: {}}
	for _, c := range []struct {
		name   string
		gw     *tlsGateway
		client grpcClient
		want   codes.Code // OK, or the refusal code; refusedAny: any non-OK
	}{
		// Refusals first: had any been accepted, it would reach the backend
		// no later than the accepted spans sent after it.
		{"tls/no-token", gw, grpcClient{serverOnly, ""}, codes.Unauthenticated},
		{"tls/wrong-token", gw, grpcClient{serverOnly, wrongToken}, codes.Unauthenticated},
		{"tls/plaintext-with-token", gw, grpcClient{nil, agentToken}, refusedAny},
		{"tls/untrusted-server-cert", gw, grpcClient{&tls.Config{MinVersion: tls.VersionTLS12}, agentToken}, refusedAny},
		{"mtls/no-client-cert", mgw, grpcClient{serverOnly, agentToken}, refusedAny},
		{"mtls/foreign-client-cert", mgw, grpcClient{withRogue, agentToken}, refusedAny},
		{"mtls/cert-no-token", mgw, grpcClient{withCert, ""}, codes.Unauthenticated},
		{"mtls/cert-wrong-token", mgw, grpcClient{withCert, wrongToken}, codes.Unauthenticated},
		{"mtls/plaintext-with-token", mgw, grpcClient{nil, agentToken}, refusedAny},
		{"tls/token", gw, grpcClient{serverOnly, agentToken}, codes.OK},
		{"tls/second-token", gw, grpcClient{serverOnly, rotateToken}, codes.OK},
		{"mtls/cert-and-token", mgw, grpcClient{withCert, agentToken}, codes.OK},
	} {
		code, key, err := c.client.export(t, c.gw.grpc, c.name)
		switch {
		case c.want == codes.OK && code != codes.OK:
			t.Errorf("%s: refused (%v), want accepted", c.name, err)
		case c.want == refusedAny && code == codes.OK, c.want != codes.OK && c.want != refusedAny && code != c.want:
			t.Errorf("%s: got %v (%v), want %v", c.name, code, err, c.want)
		default:
			t.Logf("%s: %v", c.name, code)
		}
		if c.want == codes.OK {
			accepted[c.gw][key] = true
		} else {
			refused[c.gw][key] = true
		}
	}

	// OTLP/HTTP carries the same TLS and authenticator.
	for _, c := range []struct {
		name  string
		url   string
		cfg   *tls.Config
		token string
		want  int // 0: no HTTP response at all
	}{
		{"http/tls/token", gw.http, serverOnly, agentToken, http.StatusOK},
		{"http/tls/no-token", gw.http, serverOnly, "", http.StatusUnauthorized},
		{"http/tls/wrong-token", gw.http, serverOnly, wrongToken, http.StatusUnauthorized},
		{"http/plaintext", "http" + strings.TrimPrefix(gw.http, "https"), nil, agentToken, http.StatusBadRequest},
		{"http/mtls/cert-and-token", mgw.http, withCert, agentToken, http.StatusOK},
		{"http/mtls/no-client-cert", mgw.http, serverOnly, agentToken, 0},
	} {
		got, err := postHTTP(t, c.url, c.cfg, c.token)
		if got != c.want {
			t.Errorf("%s: HTTP %d (%v), want %d", c.name, got, err, c.want)
		} else {
			t.Logf("%s: HTTP %d %v", c.name, got, err)
		}
	}

	// The agent -> mTLS gateway hop with config/overlays/agent-tls-auth.yaml.
	root := testutil.RepoRoot(t)
	addr := func(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
	agentTokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(agentTokenFile, []byte(agentToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badTokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(badTokenFile, []byte(wrongToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	startAgent := func(name, tokenFile string) *collector {
		ap := testutil.FreePorts(t, 4)
		a := &collector{health: "http://" + addr(ap[2]) + "/", httpURL: "http://" + addr(ap[1])}
		a.runConfigs(t, name, bin, []string{
			filepath.Join(root, "config", "agent.yaml"),
			filepath.Join(root, "config", "overlays", "agent-tls-auth.yaml"),
		}, t.TempDir(), []string{
			"PERISCOPE_OTLP_GRPC_ENDPOINT=" + addr(ap[0]),
			"PERISCOPE_OTLP_HTTP_ENDPOINT=" + addr(ap[1]),
			"PERISCOPE_HEALTH_ENDPOINT=" + addr(ap[2]),
			"PERISCOPE_TELEMETRY_HOST=127.0.0.1",
			fmt.Sprintf("PERISCOPE_TELEMETRY_PORT=%d", ap[3]),
			"PERISCOPE_GATEWAY_ENDPOINT=" + mgw.grpc,
			"PERISCOPE_GATEWAY_CA_FILE=" + p.caFile,
			"PERISCOPE_GATEWAY_CERT_FILE=" + p.clientCert,
			"PERISCOPE_GATEWAY_KEY_FILE=" + p.clientKey,
			"PERISCOPE_GATEWAY_TOKEN_FILE=" + tokenFile,
		})
		return a
	}
	send := func(a *collector, name string, n int) map[spanKey]bool {
		keys := map[spanKey]bool{}
		for i := range n {
			td, key := oneSpan(fmt.Sprintf("%s-%d", name, i))
			body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Post(a.httpURL+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("agent refused a span: %s", resp.Status)
			}
			keys[key] = true
		}
		return keys
	}
	agent := startAgent("agent", agentTokenFile)
	viaAgent := send(agent, "via-agent", 5)
	for k := range viaAgent {
		accepted[mgw][k] = true
	}
	// An agent with a token the gateway does not list is refused; the
	// exporter takes Unauthenticated as permanent and drops the batch.
	badAgent := startAgent("agent (wrong token)", badTokenFile)
	for k := range send(badAgent, "wrong-token-agent", 2) {
		refused[mgw][k] = true
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(badAgent.out.String(), "Unauthenticated") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(badAgent.out.String(), "Unauthenticated") {
		t.Error("agent with a wrong token: no Unauthenticated refusal in its log")
	}

	// Tail sampling holds each trace for decision_wait (10 s).
	for _, g := range []*tlsGateway{gw, mgw} {
		if missing := g.sink.waitSpans(accepted[g], 40*time.Second); missing > 0 {
			t.Errorf("%s: %d of %d accepted spans did not reach the backend", g.name, missing, len(accepted[g]))
		}
		got := g.sink.spanIDs()
		for k := range refused[g] {
			if got[k] {
				t.Errorf("a refused span reached the backend: %s", k.span)
			}
		}
	}
	n := 0
	for k := range mgw.sink.spanIDs() {
		if viaAgent[k] {
			n++
		}
	}
	t.Logf("agent -> gateway (mTLS + token): %d of %d spans delivered (%v)", n, len(viaAgent), time.Since(start).Round(time.Millisecond))

	procs := map[string]*collector{"agent": agent, "agent (wrong token)": badAgent, "gateway-tls": gw.collector, "gateway-mtls": mgw.collector}
	for _, c := range procs {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	for name, c := range procs {
		if err := c.stop(t); err != nil {
			t.Errorf("%s exit after SIGTERM: %v (want exit code 0)", name, err)
		}
		// Neither the token nor the key may reach a log line.
		for _, secret := range []string{agentToken, rotateToken} {
			if strings.Contains(c.out.String(), secret) {
				t.Errorf("%s logged a bearer token", name)
			}
		}
	}
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// refusedAny marks a case where any failure counts as a refusal (a TLS
// handshake failure surfaces as Unavailable, the exact code is grpc-go's).
const refusedAny = codes.Code(1 << 20)

// TestOverlaysValidate checks the overlays merged over their base configs
// with the binary's own validator, with and without their environment.
func TestOverlaysValidate(t *testing.T) {
	bin := periscopeBin(t)
	t.Parallel()
	root := testutil.RepoRoot(t)
	cfg := func(parts ...string) string { return filepath.Join(append([]string{root, "config"}, parts...)...) }
	for _, c := range []struct {
		base, overlay string
		env           []string
	}{
		{"gateway.yaml", "gateway-tls-auth.yaml", []string{"PERISCOPE_TLS_CERT_FILE=/c", "PERISCOPE_TLS_KEY_FILE=/k", "PERISCOPE_AUTH_TOKEN_FILE=/t"}},
		{"agent.yaml", "agent-tls-auth.yaml", []string{"PERISCOPE_GATEWAY_TOKEN_FILE=/t"}},
		{"gateway-lb.yaml", "gateway-lb-tls-auth.yaml", []string{"PERISCOPE_TLS_CERT_FILE=/c", "PERISCOPE_TLS_KEY_FILE=/k", "PERISCOPE_AUTH_TOKEN_FILE=/t", "PERISCOPE_GATEWAY_TOKEN_FILE=/t"}},
	} {
		run := func(env []string) ([]byte, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "validate", "--config", cfg(c.base), "--config", cfg("overlays", c.overlay))
			cmd.Env = append(os.Environ(), env...)
			return cmd.CombinedOutput()
		}
		if out, err := run(c.env); err != nil {
			t.Errorf("%s + %s: %v\n%s", c.base, c.overlay, err, out)
		}
		// Without its secrets' paths an overlay fails validation: it never
		// starts without authentication.
		if _, err := run(nil); err == nil {
			t.Errorf("%s + %s validates without its environment", c.base, c.overlay)
		}
	}
}
