package catalog

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/periscope-otel/periscope/internal/pricing"
)

//go:embed catalog.yaml
var embedded []byte

// EmbeddedName names the embedded table in provenance and logs.
const EmbeddedName = "embedded"

var (
	once   sync.Once
	defTab *pricing.Table
	defErr error
)

// Default returns the embedded catalog, parsed once.
func Default() (*pricing.Table, error) {
	once.Do(func() { defTab, defErr = Parse(embedded, EmbeddedName) })
	return defTab, defErr
}

// Parse reads a table in the catalog format. Every error names the entry.
func Parse(data []byte, name string) (*pricing.Table, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty table", name)
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: want a map of provider families", name)
	}
	t := pricing.NewTable(name)
	sum := sha256.Sum256(data)
	t.Hash = hex.EncodeToString(sum[:6])
	var errs []error
	for i := 0; i+1 < len(doc.Content); i += 2 {
		family := doc.Content[i].Value
		list := doc.Content[i+1]
		if family == "version" {
			continue
		}
		if list.Kind != yaml.SequenceNode {
			errs = append(errs, fmt.Errorf("%s: %s: want a list of models", name, family))
			continue
		}
		for j, item := range list.Content {
			s, ok := NodeValue(item).(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: %s[%d]: want a map", name, family, j))
				continue
			}
			e, err := BuildEntry(family, s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %s[%d]: %w", name, family, j, err))
				continue
			}
			t.Add(e)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	t.Warnings = pricing.Validate(t)
	return t, nil
}

// NodeValue converts a YAML node to generic values, keeping scalars as
// their literal text so that numbers are parsed exactly.
func NodeValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return NodeValue(n.Content[0])
		}
	case yaml.AliasNode:
		return nil // aliases are not part of the format
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = NodeValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			l = append(l, NodeValue(c))
		}
		return l
	case yaml.ScalarNode:
		return n.Value
	}
	return nil
}
