// Command imagebuild writes Periscope's OCI image without a container
// daemon: a multi-platform image index in an OCI layout directory (and the
// same as one tar file), from static binaries built beforehand.
//
//	imagebuild --version V --revision C --created 2026-12-05T03:00:00Z \
//	  --bin linux/amd64=bin/dist/linux_amd64/periscope --bin linux/arm64=... \
//	  --configs config --ca /etc/ssl/certs/ca-certificates.crt --out bin/image
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image runs as this unprivileged user; /var/lib/periscope is its
// working directory and the place for file_storage.
const (
	uid     = 10001
	user    = "periscope"
	workDir = "/var/lib/periscope"
	confDir = "/etc/periscope"
)

type binFlags map[string]string

func (b binFlags) String() string { return fmt.Sprint(map[string]string(b)) }
func (b binFlags) Set(s string) error {
	plat, path, ok := strings.Cut(s, "=")
	if !ok || !strings.Contains(plat, "/") {
		return fmt.Errorf("--bin wants os/arch=path, got %q", s)
	}
	b[plat] = path
	return nil
}

func main() {
	bins := binFlags{}
	version := flag.String("version", "", "image version (org.opencontainers.image.version)")
	revision := flag.String("revision", "", "source commit")
	created := flag.String("created", "", "creation time, RFC 3339 (the commit date: reproducible)")
	configs := flag.String("configs", "config", "directory of the shipped configurations")
	ca := flag.String("ca", "/etc/ssl/certs/ca-certificates.crt", "CA certificate bundle to ship")
	out := flag.String("out", "bin/image", "output directory")
	flag.Var(bins, "bin", "os/arch=path of a static binary (repeatable)")
	flag.Parse()
	if err := run(bins, *version, *revision, *created, *configs, *ca, *out); err != nil {
		fmt.Fprintln(os.Stderr, "imagebuild:", err)
		os.Exit(1)
	}
}

func run(bins binFlags, version, revision, created, configs, ca, out string) error {
	if len(bins) == 0 || version == "" {
		return fmt.Errorf("--bin and --version are required")
	}
	when := time.Unix(0, 0).UTC()
	if created != "" {
		t, err := time.Parse(time.RFC3339, created)
		if err != nil {
			return fmt.Errorf("--created: %w", err)
		}
		when = t
	}
	base, err := baseLayer(ca)
	if err != nil {
		return err
	}
	conf, err := configLayer(configs)
	if err != nil {
		return err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	plats := make([]string, 0, len(bins))
	for p := range bins {
		plats = append(plats, p)
	}
	sort.Strings(plats)
	for _, plat := range plats {
		osName, arch, _ := strings.Cut(plat, "/")
		bin, err := binaryLayer(bins[plat])
		if err != nil {
			return err
		}
		img, err := image(osName, arch, version, revision, when, base, conf, bin)
		if err != nil {
			return err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: osName, Architecture: arch}}})
	}
	dir := filepath.Join(out, "periscope-oci")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if _, err := layout.Write(dir, idx); err != nil {
		return err
	}
	tarPath := filepath.Join(out, "periscope-oci.tar")
	if err := tarDir(dir, tarPath); err != nil {
		return err
	}
	d, _ := idx.Digest()
	fmt.Printf("image %s (%s): %s and %s\n", version, d, dir, tarPath)
	return nil
}

func image(osName, arch, version, revision string, when time.Time, layers ...v1.Layer) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = osName, arch
	cf.Created = v1.Time{Time: when}
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", uid, uid),
		Entrypoint: []string{"/periscope"},
		Cmd:        []string{"--config=" + confDir + "/default.yaml"},
		WorkingDir: workDir,
		// Inside a container the shipped configurations listen on every
		// interface (their defaults are loopback, for laptops).
		Env: []string{
			"PERISCOPE_OTLP_GRPC_ENDPOINT=0.0.0.0:4317",
			"PERISCOPE_OTLP_HTTP_ENDPOINT=0.0.0.0:4318",
			"PERISCOPE_HEALTH_ENDPOINT=0.0.0.0:13133",
			"PERISCOPE_PROMETHEUS_ENDPOINT=0.0.0.0:8889",
			"PERISCOPE_TELEMETRY_HOST=0.0.0.0",
			"PERISCOPE_STORAGE_DIR=" + workDir + "/storage",
		},
		ExposedPorts: map[string]struct{}{"4317/tcp": {}, "4318/tcp": {}, "8888/tcp": {}, "8889/tcp": {}, "13133/tcp": {}},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "periscope",
			"org.opencontainers.image.description": "Periscope, an OpenTelemetry Collector distribution for LLM observability",
			"org.opencontainers.image.version":     version,
			"org.opencontainers.image.revision":    revision,
			"org.opencontainers.image.created":     when.Format(time.RFC3339),
			"org.opencontainers.image.licenses":    "Apache-2.0",
			"org.opencontainers.image.source":      "https://github.com/periscope-otel/periscope",
		},
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	return mutate.CreatedAt(img, v1.Time{Time: when})
}

type entry struct {
	name string
	mode int64
	dir  bool
	body []byte
}

// layer builds a tar layer of entries owned by the image user where asked.
func layer(entries []entry, owned map[string]bool) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if owned[e.name] {
			h.Uid, h.Gid, h.Uname, h.Gname = uid, uid, user, user
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if !e.dir {
			if _, err := tw.Write(e.body); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer))
}

// baseLayer: the user, CA certificates, /tmp and the working directory.
func baseLayer(ca string) (v1.Layer, error) {
	certs, err := os.ReadFile(ca)
	if err != nil {
		return nil, fmt.Errorf("CA bundle (install ca-certificates): %w", err)
	}
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:%s:%s:/sbin/nologin\n", user, uid, uid, user, workDir)
	group := fmt.Sprintf("root:x:0:\n%s:x:%d:\n", user, uid)
	return layer([]entry{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/passwd", mode: 0o644, body: []byte(passwd)},
		{name: "etc/group", mode: 0o644, body: []byte(group)},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: certs},
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: "var/", mode: 0o755, dir: true},
		{name: "var/lib/", mode: 0o755, dir: true},
		{name: "var/lib/periscope/", mode: 0o750, dir: true},
		{name: "var/lib/periscope/storage/", mode: 0o750, dir: true},
	}, map[string]bool{"var/lib/periscope/": true, "var/lib/periscope/storage/": true})
}

// configLayer: config/*.yaml under /etc/periscope, config/overlays/*.yaml
// under /etc/periscope/overlays.
func configLayer(dir string) (v1.Layer, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no configurations in %s", dir)
	}
	overlays, err := filepath.Glob(filepath.Join(dir, "overlays", "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	sort.Strings(overlays)
	entries := []entry{{name: "etc/", mode: 0o755, dir: true}, {name: "etc/periscope/", mode: 0o755, dir: true}}
	add := func(f, name string) error {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		entries = append(entries, entry{name: name, mode: 0o644, body: b})
		return nil
	}
	for _, f := range files {
		if err := add(f, "etc/periscope/"+filepath.Base(f)); err != nil {
			return nil, err
		}
	}
	if len(overlays) > 0 {
		entries = append(entries, entry{name: "etc/periscope/overlays/", mode: 0o755, dir: true})
	}
	for _, f := range overlays {
		if err := add(f, "etc/periscope/overlays/"+filepath.Base(f)); err != nil {
			return nil, err
		}
	}
	return layer(entries, nil)
}

func binaryLayer(path string) (v1.Layer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return layer([]entry{{name: "periscope", mode: 0o755, body: b}}, nil)
}

// tarDir writes the layout directory as one tar file (for `docker load`-free
// tools: skopeo, crane, podman accept an OCI archive).
func tarDir(dir, dst string) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		h.Name, h.ModTime = filepath.ToSlash(rel), time.Unix(0, 0)
		if info.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
