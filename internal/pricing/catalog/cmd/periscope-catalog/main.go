// Command periscope-catalog builds the embedded price catalog of the
// genai_cost processor from its pinned sources (see `make catalog`).
//
//	periscope-catalog -pins sources/pins.yaml -litellm ... -langfuse ... \
//	    -genai-prices genai-prices.json -overrides sources/overrides.yaml \
//	    -out catalog.yaml -report CATALOG_REPORT.md [-previous old.yaml] [-check]
//
// Every input is verified against the sha256 in the pins file. With -check
// the catalog is generated in memory and compared with -out; the command
// fails when they differ (the committed catalog is stale or hand-edited).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/periscope-otel/periscope/internal/pricing/catalog/catalogen"
)

type pin struct {
	Version string `yaml:"version"`
	Date    string `yaml:"date"`
	License string `yaml:"license"`
	SHA256  string `yaml:"sha256"`
}

func main() {
	pins := flag.String("pins", "", "pins file (sources/pins.yaml)")
	litellm := flag.String("litellm", "", "LiteLLM model_prices_and_context_window.json")
	langfuse := flag.String("langfuse", "", "Langfuse default-model-prices.json")
	genai := flag.String("genai-prices", "", "genai-prices provider data as JSON (sources/dump.mjs)")
	overrides := flag.String("overrides", "", "Periscope overrides (sources/overrides.yaml)")
	out := flag.String("out", "", "catalog to write (or compare with -check)")
	rep := flag.String("report", "", "diff report to write")
	previous := flag.String("previous", "", "catalog to diff against in the report (default: -out as it is before writing)")
	check := flag.Bool("check", false, "compare with -out instead of writing")
	flag.Parse()
	if err := run(*pins, *litellm, *langfuse, *genai, *overrides, *out, *rep, *previous, *check); err != nil {
		fmt.Fprintln(os.Stderr, "periscope-catalog:", err)
		os.Exit(1)
	}
}

func run(pinsPath, litellm, langfuse, genai, overrides, out, rep, previous string, check bool) error {
	raw, err := os.ReadFile(pinsPath)
	if err != nil {
		return err
	}
	var pins map[string]pin
	if err := yaml.Unmarshal(raw, &pins); err != nil {
		return fmt.Errorf("%s: %w", pinsPath, err)
	}
	read := func(name, path string) ([]byte, error) {
		p, ok := pins[name]
		if !ok {
			return nil, fmt.Errorf("%s: no pin for %s", pinsPath, name)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != p.SHA256 {
			return nil, fmt.Errorf("%s: sha256 %s, pinned %s (update sources/pins.yaml deliberately when bumping a source)", path, got, p.SHA256)
		}
		return data, nil
	}
	in := catalogen.Inputs{}
	if in.LiteLLM, err = read("litellm", litellm); err != nil {
		return err
	}
	if in.Langfuse, err = read("langfuse", langfuse); err != nil {
		return err
	}
	if in.GenAIPrices, err = read("genai-prices", genai); err != nil {
		return err
	}
	if in.Overrides, err = os.ReadFile(overrides); err != nil {
		return err
	}
	for _, n := range []string{"genai-prices", "litellm", "langfuse"} {
		p := pins[n]
		in.Sources = append(in.Sources, catalogen.Source{Name: n, Version: p.Version, Date: p.Date, License: p.License})
	}
	prev, err := os.ReadFile(out)
	if err == nil {
		in.Previous = prev
	}
	if previous != "" {
		if in.Previous, err = os.ReadFile(previous); err != nil {
			return err
		}
	}
	res, err := catalogen.Generate(in)
	if err != nil {
		return err
	}
	if check {
		if !bytes.Equal(prev, res.Catalog) {
			return fmt.Errorf("%s is not what the pinned sources produce: run `make catalog` and commit the result", out)
		}
		fmt.Printf("%s is up to date (%d models, catalog %s)\n", out, res.Models, res.Date)
		return nil
	}
	if err := os.WriteFile(out, res.Catalog, 0o644); err != nil {
		return err
	}
	if rep != "" {
		if err := os.WriteFile(rep, []byte(res.Report), 0o644); err != nil {
			return err
		}
	}
	fmt.Println(res.Summary())
	fmt.Printf("wrote %s", out)
	if rep != "" {
		fmt.Printf(" and %s", rep)
	}
	fmt.Println()
	return nil
}
