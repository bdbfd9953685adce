package shiptest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/periscope-otel/periscope/deploy/tools/internal/k8sconfig"
)

type manifests struct {
	daemonsets  []appsv1.DaemonSet
	deployments []appsv1.Deployment
	services    []corev1.Service
	configmaps  []corev1.ConfigMap
	hpas        []autoscalingv2.HorizontalPodAutoscaler
	pdbs        []policyv1.PodDisruptionBudget
	namespaces  []corev1.Namespace
}

// strict decodes one document into its API type, refusing unknown fields
// (a misspelt key is an error, as the API server's strict validation says).
func strict(t *testing.T, file string, doc []byte, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, into); err != nil {
		t.Errorf("%s: %v", file, err)
	}
}

// decode appends one strictly decoded document to list.
func decode[T any](t *testing.T, file string, doc []byte, list *[]T) {
	var o T
	strict(t, file, doc, &o)
	*list = append(*list, o)
}

func loadManifests(t *testing.T) manifests {
	dir := filepath.Join(root(t), "deploy", "kubernetes")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	var m manifests
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			name := filepath.Base(f)
			doc := []byte(doc)
			switch tm.APIVersion + "/" + tm.Kind {
			case "apps/v1/DaemonSet":
				decode(t, name, doc, &m.daemonsets)
			case "apps/v1/Deployment":
				decode(t, name, doc, &m.deployments)
			case "v1/Service":
				decode(t, name, doc, &m.services)
			case "v1/ConfigMap":
				decode(t, name, doc, &m.configmaps)
			case "v1/Namespace":
				decode(t, name, doc, &m.namespaces)
			case "autoscaling/v2/HorizontalPodAutoscaler":
				decode(t, name, doc, &m.hpas)
			case "policy/v1/PodDisruptionBudget":
				decode(t, name, doc, &m.pdbs)
			default:
				t.Errorf("%s: unexpected %s %s", name, tm.APIVersion, tm.Kind)
			}
		}
	}
	return m
}

func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	if len(m.daemonsets) != 1 || len(m.deployments) != 1 || len(m.configmaps) != 2 || len(m.hpas) != 1 || len(m.pdbs) != 1 || len(m.services) != 2 {
		t.Fatalf("want an agent DaemonSet, a gateway Deployment, two ConfigMaps, an HPA, a PDB and two Services; got %d/%d/%d/%d/%d/%d",
			len(m.daemonsets), len(m.deployments), len(m.configmaps), len(m.hpas), len(m.pdbs), len(m.services))
	}
	var cm, overlays corev1.ConfigMap
	for _, c := range m.configmaps {
		switch c.Name {
		case "periscope-config":
			cm = c
		case "periscope-overlays":
			overlays = c
		default:
			t.Errorf("unexpected ConfigMap %s", c.Name)
		}
	}

	// The ConfigMap is config/*.yaml as the repository tests them.
	want, err := k8sconfig.Render(filepath.Join(root(t), "config"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(root(t), "deploy", "kubernetes", "configmaps.yaml"))
	if !bytes.Equal(want, got) {
		t.Error("deploy/kubernetes/configmaps.yaml is stale: run make k8s-configmaps")
	}

	pods := map[string]corev1.PodTemplateSpec{
		"periscope-agent":   m.daemonsets[0].Spec.Template,
		"periscope-gateway": m.deployments[0].Spec.Template,
	}
	selectors := map[string]*metav1.LabelSelector{
		"periscope-agent":   m.daemonsets[0].Spec.Selector,
		"periscope-gateway": m.deployments[0].Spec.Selector,
	}
	for name, tpl := range pods {
		sel, err := metav1.LabelSelectorAsSelector(selectors[name])
		if err != nil || !sel.Matches(labelSet(tpl.Labels)) {
			t.Errorf("%s: selector does not match its pod template (%v)", name, err)
		}
		checkPod(t, name, tpl.Spec, cm)
		checkConfigVolume(t, name, tpl.Spec, overlays)
	}
	// HPA and PDB point at the gateway.
	if ref := m.hpas[0].Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != m.deployments[0].Name {
		t.Errorf("HPA targets %s/%s", ref.Kind, ref.Name)
	}
	if sel, _ := metav1.LabelSelectorAsSelector(m.pdbs[0].Spec.Selector); !sel.Matches(labelSet(pods["periscope-gateway"].Labels)) {
		t.Error("PDB does not select the gateway pods")
	}
	// Both services select gateway pods; the headless one has no cluster IP.
	headless := 0
	for _, s := range m.services {
		if !labelSet(pods["periscope-gateway"].Labels).matchesAll(s.Spec.Selector) {
			t.Errorf("service %s does not select the gateway pods", s.Name)
		}
		if s.Spec.ClusterIP == corev1.ClusterIPNone {
			headless++
		}
		for _, p := range s.Spec.Ports {
			if _, ok := portNumber(pods["periscope-gateway"].Spec, p.TargetPort.String()); !ok {
				t.Errorf("service %s: target port %s is not a gateway container port", s.Name, p.TargetPort.String())
			}
		}
	}
	if headless != 1 {
		t.Errorf("%d headless services, want 1 (for the load_balancing exporter's dns/k8s resolver)", headless)
	}
	// The agent forwards to the gateway Service.
	if env := envOf(pods["periscope-agent"].Spec.Containers[0], "PERISCOPE_GATEWAY_ENDPOINT"); !strings.HasPrefix(env, "periscope-gateway.periscope.svc") {
		t.Errorf("agent forwards to %q, want the periscope-gateway Service", env)
	}
}

// checkPod: the image, a config file of the ConfigMap, probes on the
// health_check port, non-root and read-only root, and every environment
// variable a real setting of the configuration it runs.
func checkPod(t *testing.T, name string, spec corev1.PodSpec, cm corev1.ConfigMap) {
	if len(spec.Containers) != 1 {
		t.Fatalf("%s: %d containers", name, len(spec.Containers))
	}
	c := spec.Containers[0]
	if c.Image != "periscope" {
		t.Errorf("%s: image %q, want periscope (set by kustomize images)", name, c.Image)
	}
	var conf string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--config=/etc/periscope/"); ok {
			conf = v
		}
	}
	body, ok := cm.Data[conf]
	if !ok {
		t.Fatalf("%s: --config names %q, not in the ConfigMap", name, conf)
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s: probes must hit health_check on 13133", name)
			continue
		}
		if n, _ := portNumber(spec, p.HTTPGet.Port.String()); n != 13133 {
			t.Errorf("%s: probes must hit health_check on 13133", name)
		}
	}
	if !strings.Contains(body, "health_check") {
		t.Errorf("%s: %s has no health_check extension for the probes", name, conf)
	}
	sc, psc := c.SecurityContext, spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("%s: must run as non-root, read-only root, no privilege escalation", name)
	}
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			continue
		}
		if !strings.Contains(body, "${env:"+e.Name) {
			t.Errorf("%s: env %s is not read by %s", name, e.Name, conf)
		}
	}
	if c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: no memory limit (memory_limiter and GOMEMLIMIT need one)", name)
	}
}

// checkConfigVolume: /etc/periscope holds every configuration and, under
// overlays/, every overlay (the paths the image uses).
func checkConfigVolume(t *testing.T, name string, spec corev1.PodSpec, overlays corev1.ConfigMap) {
	var mounted string
	for _, vm := range spec.Containers[0].VolumeMounts {
		if vm.MountPath == "/etc/periscope" {
			mounted = vm.Name
		}
	}
	for _, v := range spec.Volumes {
		if v.Name != mounted {
			continue
		}
		if v.Projected == nil {
			t.Fatalf("%s: volume %s at /etc/periscope is not a projection of the two ConfigMaps", name, v.Name)
		}
		whole, items := false, map[string]string{}
		for _, src := range v.Projected.Sources {
			switch {
			case src.ConfigMap == nil:
			case src.ConfigMap.Name == "periscope-config" && len(src.ConfigMap.Items) == 0:
				whole = true
			case src.ConfigMap.Name == "periscope-overlays":
				for _, it := range src.ConfigMap.Items {
					items[it.Key] = it.Path
				}
			}
		}
		if !whole {
			t.Errorf("%s: /etc/periscope does not project all of periscope-config", name)
		}
		for key := range overlays.Data {
			if items[key] != "overlays/"+key {
				t.Errorf("%s: overlay %s not projected at /etc/periscope/overlays/%s", name, key, key)
			}
		}
		for key := range items {
			if _, ok := overlays.Data[key]; !ok {
				t.Errorf("%s: projects overlay %s, which periscope-overlays does not have", name, key)
			}
		}
		return
	}
	t.Errorf("%s: nothing mounted at /etc/periscope", name)
}

type labelSet map[string]string

func (l labelSet) Has(k string) bool   { _, ok := l[k]; return ok }
func (l labelSet) Get(k string) string { return l[k] }
func (l labelSet) Lookup(k string) (string, bool) {
	v, ok := l[k]
	return v, ok
}
func (l labelSet) matchesAll(sel map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if l[k] != v {
			return false
		}
	}
	return true
}

// portNumber returns the container port a Service or probe names (by
// name or number).
func portNumber(spec corev1.PodSpec, name string) (int32, bool) {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name || fmt.Sprint(p.ContainerPort) == name {
				return p.ContainerPort, true
			}
		}
	}
	return 0, false
}

func envOf(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}
