package genaipromptprocessor

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config of the genai_prompt processor.
type Config struct {
	// Conditions are OTTL conditions (OR-ed) limiting which spans or log
	// records are touched; empty means every GenAI span.
	Conditions []string `mapstructure:"conditions"`
	// MaxContentBytes is the content budget per span handed to the reader.
	MaxContentBytes int `mapstructure:"max_content_bytes"`
	// MaxTemplateBytes caps the bytes of each text (system, user, declared
	// template) that is masked and fingerprinted.
	MaxTemplateBytes int `mapstructure:"max_template_bytes"`
	// EmitTemplate writes the masked template text as periscope.prompt.template.
	EmitTemplate bool `mapstructure:"emit_template"`
	// Registry lists prompts known by their template text.
	Registry []RegistryPrompt `mapstructure:"registry"`
	// Inference controls template inference for calls without identity.
	Inference InferenceConfig `mapstructure:"inference"`
	// Storage is the id of a storage extension (e.g. file_storage) used to
	// persist the versions seen; empty keeps state in memory only.
	Storage *component.ID `mapstructure:"storage"`
	// PersistInterval is how often changed state is saved to storage (it
	// is always saved at shutdown); 0 saves only at shutdown.
	PersistInterval time.Duration `mapstructure:"persist_interval"`

	_ struct{}
}

// RegistryPrompt is one named prompt with its known versions.
type RegistryPrompt struct {
	Name     string            `mapstructure:"name"`
	Versions []RegistryVersion `mapstructure:"versions"`

	_ struct{}
}

// RegistryVersion is one version of a registered prompt. Placeholders
// written {{var}} match any text.
type RegistryVersion struct {
	Version string `mapstructure:"version"`
	// Template is matched against the system instructions and the first
	// user turn; either matching is enough.
	Template string `mapstructure:"template"`

	_ struct{}
}

// InferenceConfig controls template inference.
type InferenceConfig struct {
	// Enabled turns inference on (default true).
	Enabled bool `mapstructure:"enabled"`
	// MaxTemplates bounds the templates kept in memory (LRU).
	MaxTemplates int `mapstructure:"max_templates"`
	// MaxStateBytes bounds the estimated memory of the templates (LRU).
	MaxStateBytes int `mapstructure:"max_state_bytes"`
	// MaxVersions bounds the (prompt name, version) pairs remembered to mark
	// the first call of a new version (LRU).
	MaxVersions int `mapstructure:"max_versions"`
	// NameFrom lists the signals used to name an inferred prompt, strongest
	// first: agent, workflow, service_operation.
	NameFrom []string `mapstructure:"name_from"`

	_ struct{}
}

var validNameFrom = map[string]bool{"agent": true, "workflow": true, "service_operation": true}

// Validate checks the configuration and names the offending key.
func (c *Config) Validate() error {
	var errs []error
	if c.MaxContentBytes < 0 {
		errs = append(errs, errors.New("max_content_bytes: must be >= 0"))
	}
	if c.MaxTemplateBytes <= 0 {
		errs = append(errs, errors.New("max_template_bytes: must be > 0"))
	}
	if c.PersistInterval < 0 {
		errs = append(errs, errors.New("persist_interval: must be >= 0"))
	}
	if c.Inference.MaxTemplates <= 0 {
		errs = append(errs, errors.New("inference.max_templates: must be > 0"))
	}
	if c.Inference.MaxStateBytes <= 0 {
		errs = append(errs, errors.New("inference.max_state_bytes: must be > 0"))
	}
	if c.Inference.MaxVersions <= 0 {
		errs = append(errs, errors.New("inference.max_versions: must be > 0"))
	}
	for i, s := range c.Inference.NameFrom {
		if !validNameFrom[s] {
			errs = append(errs, fmt.Errorf("inference.name_from[%d]: unknown signal %q (want agent, workflow or service_operation)", i, s))
		}
	}
	seen := map[string]bool{}
	for i, p := range c.Registry {
		if strings.TrimSpace(p.Name) == "" {
			errs = append(errs, fmt.Errorf("registry[%d].name: must not be empty", i))
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("registry[%d].name: duplicate prompt %q", i, p.Name))
		}
		seen[p.Name] = true
		if len(p.Versions) == 0 {
			errs = append(errs, fmt.Errorf("registry[%d].versions: at least one version is required", i))
		}
		vseen := map[string]bool{}
		for j, v := range p.Versions {
			if strings.TrimSpace(v.Version) == "" {
				errs = append(errs, fmt.Errorf("registry[%d].versions[%d].version: must not be empty", i, j))
			}
			if vseen[v.Version] {
				errs = append(errs, fmt.Errorf("registry[%d].versions[%d].version: duplicate version %q", i, j, v.Version))
			}
			vseen[v.Version] = true
			if strings.TrimSpace(v.Template) == "" {
				errs = append(errs, fmt.Errorf("registry[%d].versions[%d].template: must not be empty", i, j))
			}
		}
	}
	return errors.Join(errs...)
}
