package evaluators

import (
	"errors"
	"fmt"
	"sort"

	"github.com/periscope-otel/periscope/internal/contract"
	"github.com/periscope-otel/periscope/internal/eval"
	"github.com/periscope-otel/periscope/internal/eval/safety"
)

// OffTopicConfig is the off_topic block: the allowed topics as keyword
// sets (topic name -> keywords; a trailing '*' makes a keyword a prefix).
type OffTopicConfig struct {
	eval.Common `mapstructure:",squash"`
	Topics      map[string][]string `mapstructure:"topics"`
}

// Validate implements eval.Config.
func (c *OffTopicConfig) Validate() error {
	if err := c.Common.Validate(); err != nil {
		return err
	}
	if c.Enabled && len(c.Topics) == 0 {
		return errors.New("topics: at least one topic is required when off_topic is enabled")
	}
	names := make([]string, 0, len(c.Topics))
	for name := range c.Topics {
		names = append(names, name)
	}
	sort.Strings(names) // the same error for the same configuration
	for _, name := range names {
		if len(c.Topics[name]) == 0 {
			return fmt.Errorf("topics.%s: needs at least one keyword", name)
		}
	}
	return nil
}

// New implements eval.Config.
func (c *OffTopicConfig) New(b eval.Build) (eval.Evaluator, error) {
	return safety.NewOffTopic(safetyOptions(&c.Common, b), c.Topics), nil
}

var offTopic = eval.Spec{
	Name:      contract.EvalOffTopic,
	Sides:     eval.SideInput,
	Threshold: 0.5,
	Enabled:   false, // needs the deployment's topics
	Risk:      true,
	Rubrics:   []string{"relevance"},
	NewConfig: func(base eval.Common) eval.Config { return &OffTopicConfig{Common: base} },
	Bench:     eval.Bench{NoFloor: "off_topic needs topics from a configuration; it has no labelled set"},
}
