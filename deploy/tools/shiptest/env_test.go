package shiptest

import (
	"archive/tar"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// need returns an environment variable that make ship-test sets; without it
// the test fails (an artifact test that skips would hide a broken build).
func need(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run `make ship-test`", name)
	}
	return v
}

func root(t *testing.T) string { return need(t, "PERISCOPE_ROOT") }

func periscopeBin(t *testing.T) string {
	p := filepath.Join(root(t), "bin", "periscope")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("bin/periscope: %v (make build)", err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// extractedFile is one entry of an extracted archive: its path on disk
// (regular files) and owner.
type extractedFile struct {
	path string
	Uid  int
}

// extractTar writes the regular files of a tar stream under dir; it returns
// every entry by name (without a leading or trailing slash).
func extractTar(t *testing.T, r io.Reader, dir string) map[string]*extractedFile {
	t.Helper()
	out := map[string]*extractedFile{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(h.Name, "/"), "/")
		e := &extractedFile{Uid: h.Uid}
		out[name] = e
		if h.Typeflag != tar.TypeReg {
			continue
		}
		e.path = filepath.Join(dir, filepath.FromSlash(name))
		if !strings.HasPrefix(e.path, filepath.Clean(dir)+string(filepath.Separator)) {
			t.Fatalf("archive entry %q escapes", h.Name)
		}
		if err := os.MkdirAll(filepath.Dir(e.path), 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(e.path, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
