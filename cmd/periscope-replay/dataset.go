package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/periscope-otel/periscope/exporter/genaidatasetexporter/dataset"
)

// datasetFiles returns PATH itself, or the dataset files (.jsonl,
// .jsonl.gz) of a directory in name order (the exporter's names sort by age).
func datasetFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".jsonl") || strings.HasSuffix(n, ".jsonl.gz")) {
			out = append(out, filepath.Join(path, n))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no .jsonl or .jsonl.gz files", path)
	}
	return out, nil
}

// readDataset reads every row of a dataset file or directory. A line that
// is not a row of a known schema version is an error naming file and line.
func readDataset(path string) ([]dataset.Row, error) {
	files, err := datasetFiles(path)
	if err != nil {
		return nil, fmt.Errorf("--dataset: %w", err)
	}
	var rows []dataset.Row
	for _, name := range files {
		if err := readFile(name, &rows); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

func readFile(name string, rows *[]dataset.Row) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 256<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var row dataset.Row
		if err := json.Unmarshal(b, &row); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if row.SchemaVersion != dataset.SchemaVersion {
			return fmt.Errorf("%s:%d: schema_version %d (this periscope-replay reads %d)", name, line, row.SchemaVersion, dataset.SchemaVersion)
		}
		*rows = append(*rows, row)
	}
	if err := sc.Err(); err != nil {
		// A gzip file still being written ends without its trailer: what
		// was read is kept.
		if err == io.ErrUnexpectedEOF {
			return nil
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
