package shiptest

import (
	"archive/tar"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// TestImage reads the OCI layout back: one image per platform, non-root,
// labelled, with CA certificates and the configurations, and a static binary
// that starts, reports the build's version and accepts the shipped configs.
func TestImage(t *testing.T) {
	dir := need(t, "PERISCOPE_IMAGE_DIR")
	version := need(t, "PERISCOPE_BUILD_VERSION")
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	plats := map[string]bool{}
	for _, d := range im.Manifests {
		if d.Platform == nil {
			t.Fatalf("manifest %s without platform", d.Digest)
		}
		plat := d.Platform.OS + "/" + d.Platform.Architecture
		plats[plat] = true
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.OS+"/"+cf.Architecture != plat {
			t.Errorf("%s: config says %s/%s", plat, cf.OS, cf.Architecture)
		}
		c := cf.Config
		if c.User != "10001:10001" {
			t.Errorf("%s: user %q, want 10001:10001 (non-root)", plat, c.User)
		}
		if len(c.Entrypoint) != 1 || c.Entrypoint[0] != "/periscope" {
			t.Errorf("%s: entrypoint %v", plat, c.Entrypoint)
		}
		for k, want := range map[string]string{"org.opencontainers.image.version": version, "org.opencontainers.image.title": "periscope"} {
			if c.Labels[k] != want {
				t.Errorf("%s: label %s = %q, want %q", plat, k, c.Labels[k], want)
			}
		}
		if c.Labels["org.opencontainers.image.revision"] == "" || c.Labels["org.opencontainers.image.created"] == "" {
			t.Errorf("%s: revision/created labels missing", plat)
		}
		files := extract(t, img, t.TempDir())
		for _, f := range []string{"periscope", "etc/ssl/certs/ca-certificates.crt", "etc/passwd", "etc/periscope/agent.yaml",
			"etc/periscope/gateway.yaml", "etc/periscope/default.yaml",
			"etc/periscope/overlays/agent-durable.yaml", "etc/periscope/overlays/agent-tls-auth.yaml", "etc/periscope/overlays/gateway-tls-auth.yaml"} {
			if _, ok := files[f]; !ok {
				t.Errorf("%s: /%s missing", plat, f)
			}
		}
		if h, ok := files["var/lib/periscope"]; !ok || h.Uid != 10001 {
			t.Errorf("%s: /var/lib/periscope not owned by the image user", plat)
		}
		bin := files["periscope"]
		if bin == nil {
			continue
		}
		ef, err := elf.Open(bin.path)
		if err != nil {
			t.Fatalf("%s: binary: %v", plat, err)
		}
		wantMachine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[d.Platform.Architecture]
		if ef.Machine != wantMachine {
			t.Errorf("%s: binary for %v", plat, ef.Machine)
		}
		for _, p := range ef.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: binary is dynamically linked (the image has no libc)", plat)
			}
		}
		ef.Close()
		if d.Platform.Architecture != "amd64" {
			continue // cannot run here
		}
		out, err := exec.Command(bin.path, "--version").CombinedOutput()
		if err != nil || !strings.Contains(string(out), version) {
			t.Errorf("%s: --version: %v %q, want %s", plat, err, out, version)
		}
		for _, conf := range []string{"default.yaml", "agent.yaml", "gateway.yaml"} {
			cmd := exec.Command(bin.path, "validate", "--config="+files["etc/periscope/"+conf].path)
			cmd.Env = append(os.Environ(), c.Env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: validate %s with the image's environment: %v\n%s", plat, conf, err, out)
			}
		}
	}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		if !plats[p] {
			t.Errorf("image index lacks %s", p)
		}
	}
	// The same layout as one tar file.
	f, err := os.Open(filepath.Join(filepath.Dir(dir), "periscope-oci.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
	if !names["oci-layout"] || !names["index.json"] {
		t.Error("periscope-oci.tar is not an OCI layout archive")
	}
}

// extract writes the image's flattened filesystem under dir.
func extract(t *testing.T, img v1.Image, dir string) map[string]*extractedFile {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	return extractTar(t, rc, dir)
}
