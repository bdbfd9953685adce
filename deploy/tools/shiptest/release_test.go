package shiptest

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRelease: an archive per platform with the binary, the configurations,
// README and VERSION; SHA256SUMS that match; a CycloneDX SBOM naming the
// collector modules the binary is built from.
func TestRelease(t *testing.T) {
	dir := need(t, "PERISCOPE_RELEASE_DIR")
	version := strings.TrimSpace(string(must(os.ReadFile(filepath.Join(root(t), "VERSION")))))
	configs, _ := filepath.Glob(filepath.Join(root(t), "config", "*.yaml"))

	sums := map[string]string{}
	f, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", sc.Text())
		}
		sums[name] = sum
	}
	f.Close()

	for _, plat := range []string{"linux_amd64", "linux_arm64", "darwin_arm64"} {
		name := "periscope_" + version + "_" + plat + ".tar.gz"
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		h := sha256.Sum256(b)
		if sums[name] != hex.EncodeToString(h[:]) {
			t.Errorf("%s: SHA256SUMS says %q, file is %x", name, sums[name], h)
		}
		files := untar(t, path, t.TempDir())
		prefix := "periscope_" + version + "_" + plat + "/"
		for _, want := range []string{"periscope", "README.md", "VERSION"} {
			if files[prefix+want] == "" {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		for _, c := range configs {
			if files[prefix+"config/"+filepath.Base(c)] == "" {
				t.Errorf("%s lacks config/%s", name, filepath.Base(c))
			}
		}
		bin := files[prefix+"periscope"]
		if bin == "" {
			continue
		}
		switch plat {
		case "darwin_arm64":
			mf, err := macho.Open(bin)
			if err != nil || mf.Cpu != macho.CpuArm64 {
				t.Errorf("%s: not a darwin/arm64 binary (%v)", name, err)
			} else {
				mf.Close()
			}
		default:
			ef, err := elf.Open(bin)
			want := map[string]elf.Machine{"linux_amd64": elf.EM_X86_64, "linux_arm64": elf.EM_AARCH64}[plat]
			if err != nil || ef.Machine != want {
				t.Errorf("%s: not a %s binary (%v)", name, plat, err)
			} else {
				ef.Close()
			}
		}
		if plat == "linux_amd64" {
			out, err := exec.Command(bin, "--version").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "periscope version "+version+"+") {
				t.Errorf("%s: --version %v %q", name, err, out)
			}
		}
	}

	sbomName := "periscope_" + version + ".cdx.json"
	b, err := os.ReadFile(filepath.Join(dir, sbomName))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	if sums[sbomName] != hex.EncodeToString(h[:]) {
		t.Errorf("%s not in SHA256SUMS", sbomName)
	}
	var bom struct {
		BOMFormat  string `json:"bomFormat"`
		Components []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.BOMFormat != "CycloneDX" {
		t.Errorf("SBOM format %q", bom.BOMFormat)
	}
	found := map[string]string{}
	for _, c := range bom.Components {
		found[c.Name] = c.Version
	}
	for mod, ver := range map[string]string{
		"go.opentelemetry.io/collector/otelcol":                                                     "v0.161.0",
		"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor": "v0.161.0",
	} {
		if found[mod] != ver {
			t.Errorf("SBOM: %s at %q, want %s", mod, found[mod], ver)
		}
	}
	t.Logf("SBOM lists %d components", len(bom.Components))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// untar extracts a .tar.gz under dir; it returns name -> extracted path.
func untar(t *testing.T, path, dir string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, e := range extractTar(t, gz, dir) {
		if e.path != "" {
			out[name] = e.path
		}
	}
	return out
}
