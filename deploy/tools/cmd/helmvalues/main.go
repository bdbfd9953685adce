// Command helmvalues writes deploy/helm/values-{agent,gateway}.yaml from config/
// and deploy/helm/values-overlay-<name>.yaml from config/overlays/.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/periscope-otel/periscope/deploy/tools/internal/helmvalues"
)

func main() {
	configs := flag.String("configs", "config", "directory of the shipped configurations")
	out := flag.String("out", "deploy/helm", "output directory")
	flag.Parse()
	for _, mode := range []string{"agent", "gateway"} {
		b, err := helmvalues.Render(*configs, mode)
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, "values-"+mode+".yaml"), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "helmvalues:", err)
			os.Exit(1)
		}
	}
	overlays, err := helmvalues.Overlays(*configs)
	for _, name := range overlays {
		var b []byte
		if b, err = helmvalues.RenderOverlay(*configs, name); err != nil {
			break
		}
		if err = os.WriteFile(filepath.Join(*out, "values-overlay-"+name+".yaml"), b, 0o644); err != nil {
			break
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helmvalues:", err)
		os.Exit(1)
	}
}
