package smoke

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/internal/testutil"
)

// TestVersion: the binary reports VERSION plus the commit and commit date
// it was built from, in --version and in the components listing.
func TestVersion(t *testing.T) {
	bin := periscopeBin(t)
	root := testutil.RepoRoot(t)
	want, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`^periscope version (\S+)\+([0-9a-f]{12}|unknown)\.(\d{8}T\d{6}Z|unknown)\n$`)
	m := re.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("--version printed %q, want VERSION+commit.date", out)
	}
	if m[1] != strings.TrimSpace(string(want)) {
		t.Errorf("version %q, VERSION file says %q", m[1], strings.TrimSpace(string(want)))
	}
	// make build restamps on every commit, so the binary names the checkout.
	if head, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		if got, want := m[2], strings.TrimSpace(string(head)); got != want {
			t.Errorf("binary built from commit %s, checkout is at %s (run make build)", got, want)
		}
	}
	comps, err := exec.Command(bin, "components").CombinedOutput()
	if err != nil || !strings.Contains(string(comps), "version: "+m[1]+"+") {
		t.Errorf("components output lacks the version: %v\n%.300s", err, comps)
	}
}
