package shiptest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/periscope-otel/periscope/deploy/tools/internal/helmvalues"
)

// chartValueKeys are the top-level values of the official OpenTelemetry
// Collector chart (its values.schema.json forbids any other); the files must
// not set a key the chart would reject.
var chartValueKeys = map[string]bool{
	"nameOverride": true, "fullnameOverride": true, "namespaceOverride": true, "mode": true, "presets": true,
	"configMap": true, "config": true, "alternateConfig": true, "image": true, "imagePullSecrets": true, "command": true,
	"serviceAccount": true, "clusterRole": true, "podSecurityContext": true, "securityContext": true, "nodeSelector": true,
	"tolerations": true, "affinity": true, "topologySpreadConstraints": true, "priorityClassName": true, "extraEnvs": true,
	"extraEnvsFrom": true, "extraVolumes": true, "extraVolumeMounts": true, "extraManifests": true, "ports": true,
	"resources": true, "podAnnotations": true, "podLabels": true, "additionalLabels": true, "hostNetwork": true,
	"hostAliases": true, "dnsPolicy": true, "dnsConfig": true, "schedulerName": true, "replicaCount": true,
	"revisionHistoryLimit": true, "annotations": true, "extraContainers": true, "initContainers": true,
	"lifecycleHooks": true, "livenessProbe": true, "readinessProbe": true, "startupProbe": true, "service": true,
	"ingress": true, "podMonitor": true, "serviceMonitor": true, "podDisruptionBudget": true, "autoscaling": true,
	"rollout": true, "prometheusRule": true, "statefulset": true, "useGOMEMLIMIT": true, "networkPolicy": true,
	"shareProcessNamespace": true, "internalTelemetryViaOTLP": true,
}

// chartDefaultConfig is the chart's default collector configuration, which
// it deep-merges under the values' `config` (a null in the values removes a key).
const chartDefaultConfig = `
exporters:
  debug: {}
extensions:
  health_check:
    endpoint: ${env:MY_POD_IP}:13133
processors:
  batch: {}
  memory_limiter:
    check_interval: 5s
    limit_percentage: 80
    spike_limit_percentage: 25
receivers:
  jaeger:
    protocols:
      grpc: {endpoint: "${env:MY_POD_IP}:14250"}
  otlp:
    protocols:
      grpc: {endpoint: "${env:MY_POD_IP}:4317"}
      http: {endpoint: "${env:MY_POD_IP}:4318"}
  prometheus:
    config:
      scrape_configs: []
  zipkin:
    endpoint: ${env:MY_POD_IP}:9411
service:
  extensions: [health_check]
  pipelines:
    logs:
      exporters: [debug]
      processors: [memory_limiter, batch]
      receivers: [otlp]
    metrics:
      exporters: [debug]
      processors: [memory_limiter, batch]
      receivers: [otlp, prometheus]
    traces:
      exporters: [debug]
      processors: [memory_limiter, batch]
      receivers: [otlp, jaeger, zipkin]
`

// merge is the chart's mustMergeOverwrite: maps merge deeply, a null removes.
func merge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				dst[k] = merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

// TestHelmValues: the values files are current, use only the chart's keys,
// run the Periscope binary, and the configuration the chart renders from them
// is accepted by that binary.
func TestHelmValues(t *testing.T) {
	bin := periscopeBin(t)
	for _, mode := range []string{"agent", "gateway"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(root(t), "deploy", "helm", "values-"+mode+".yaml")
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := helmvalues.Render(filepath.Join(root(t), "config"), mode)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run make helm-values", path)
			}
			var values map[string]any
			if err := yaml.Unmarshal(got, &values); err != nil {
				t.Fatal(err)
			}
			for k := range values {
				if !chartValueKeys[k] {
					t.Errorf("values key %q is not a value of the chart", k)
				}
			}
			if cmd, _ := values["command"].(map[string]any); cmd["name"] != "periscope" {
				t.Errorf("command.name = %v, want periscope (the image's binary)", cmd["name"])
			}
			wantMode := map[string]string{"agent": "daemonset", "gateway": "deployment"}[mode]
			if values["mode"] != wantMode {
				t.Errorf("mode = %v, want %s", values["mode"], wantMode)
			}
			var def map[string]any
			if err := yaml.Unmarshal([]byte(chartDefaultConfig), &def); err != nil {
				t.Fatal(err)
			}
			cfg, _ := values["config"].(map[string]any)
			rendered, err := yaml.Marshal(merge(def, cfg))
			if err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(t.TempDir(), "relay.yaml")
			if err := os.WriteFile(f, rendered, 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("MY_POD_IP", "127.0.0.1")
			run(t, bin, "validate", "--config="+f)
		})
	}
}

// overlayEnv is what each overlay needs set to validate (paths need not exist).
var overlayEnv = map[string][]string{
	"gateway-tls-auth": {"PERISCOPE_TLS_CERT_FILE=/c", "PERISCOPE_TLS_KEY_FILE=/k", "PERISCOPE_AUTH_TOKEN_FILE=/t"},
	"agent-tls-auth":   {"PERISCOPE_GATEWAY_TOKEN_FILE=/t"},
}

// TestHelmOverlayValues: every overlay has a current values file, and the
// tier's values with it, merged as Helm merges values files, render a
// configuration the binary accepts.
func TestHelmOverlayValues(t *testing.T) {
	bin := periscopeBin(t)
	names, err := helmvalues.Overlays(filepath.Join(root(t), "config"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no overlays: %v", err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(root(t), "deploy", "helm", "values-overlay-"+name+".yaml")
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := helmvalues.RenderOverlay(filepath.Join(root(t), "config"), name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run make helm-values", path)
			}
			tier, _ := helmvalues.OverlayTier(name)
			var base, overlay, def map[string]any
			b, err := os.ReadFile(filepath.Join(root(t), "deploy", "helm", "values-"+tier+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(b, &base); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(got, &overlay); err != nil {
				t.Fatal(err)
			}
			if len(overlay) != 1 || overlay["config"] == nil {
				t.Fatalf("%s: want only a config value", path)
			}
			if err := yaml.Unmarshal([]byte(chartDefaultConfig), &def); err != nil {
				t.Fatal(err)
			}
			cfg := merge(base["config"].(map[string]any), overlay["config"].(map[string]any))
			rendered, err := yaml.Marshal(merge(def, cfg))
			if err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(t.TempDir(), "relay.yaml")
			if err := os.WriteFile(f, rendered, 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("MY_POD_IP", "127.0.0.1")
			for _, e := range overlayEnv[name] {
				k, v, _ := strings.Cut(e, "=")
				t.Setenv(k, v)
			}
			run(t, bin, "validate", "--config="+f)
		})
	}
}
